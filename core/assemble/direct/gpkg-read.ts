/**
 * Reads one GPKG binpkg (docs/internals/gentoo.md#gpkg) on the host: the outer tar is streamed
 * from disk, `<base>/metadata.tar[.<ext>]` becomes a key → bytes map (the files Portage copies into
 * /var/db/pkg), `<base>/image.tar[.<ext>]` becomes the package's entries with the `image/` prefix
 * removed. Members are decompressed as they stream (decompress.ts). Signatures and the Manifest
 * are not read here: the assembly checks each binpkg's digests against the Packages index, on the
 * bytes this reader reads (read-binpkgs.ts).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';

type Headers = Header;
import { BinfarmError } from '../../errors.ts';
import { compressionOf, decompressor, drain } from './decompress.ts';

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

/** One entry of a package's image, path relative to `/` without a leading slash. */
export interface ImageEntry {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Symlink target, or for a hard link the path (relative to `/`) of the entry it links to. */
  linkname?: string;
  data?: Buffer;
  /** The tar type of an `other` entry (device, fifo), for messages. */
  rawType?: string;
}

export interface Gpkg {
  file: string;
  metadata: Map<string, Buffer>;
  entries: ImageEntry[];
  /** The compression of the image member (`zst`, `xz`, `gz`, ... or `''`). */
  compression: string;
}

/** `onChunk` sees every byte of the file as it is read (the digest check, read-binpkgs.ts). */
export async function readGpkg(file: string, onChunk?: (chunk: Buffer) => void): Promise<Gpkg> {
  const outer = extract();
  const source = createReadStream(file);
  if (onChunk) source.on('data', (c) => onChunk(c as Buffer));
  const done = pipeline(source, outer);
  const metadata = new Map<string, Buffer>();
  let entries: ImageEntry[] | undefined;
  let compression = '';
  let sawMetadata = false;
  try {
    for await (const member of outer) {
      const name = member.header.name.replace(/^[^/]+\//, '');
      if (/^metadata\.tar(\.[a-z0-9]+)?$/.test(name)) {
        sawMetadata = true;
        await readInner(member, compressionOf(name), `${file}: ${name}`, (h, data) => {
          const key = /^metadata\/([^/]+)$/.exec(h.name)?.[1];
          if (key && h.type === 'file') metadata.set(key, data);
        });
      } else if (/^image\.tar(\.[a-z0-9]+)?$/.test(name)) {
        compression = compressionOf(name);
        entries = [];
        const list = entries;
        await readInner(member, compression, `${file}: ${name}`, (h, data) => {
          const entry = imageEntry(h, data);
          if (entry) list.push(entry);
        });
      } else {
        member.resume();
      }
    }
    await done;
  } catch (e) {
    done.catch(() => undefined);
    if (e instanceof BinfarmError) throw e;
    throw new BinfarmError('E_ASSEMBLE', `cannot read the binpkg ${file}: ${(e as Error).message}`, {
      cause: e,
      hint: 'The file is not a complete GPKG; `emaint binhost --fix` in the subject image re-indexes the binhost, or rebuild the package.',
    });
  }
  if (!sawMetadata || !metadata.has('CATEGORY') || !metadata.has('PF')) {
    throw new BinfarmError('E_ASSEMBLE', `the binpkg ${file} has no metadata.tar with CATEGORY and PF`, {
      hint: 'It is not a GPKG binpkg (xpak .tbz2 packages are not supported by the direct assembly: use `--via emerge`).',
    });
  }
  return { file, metadata, entries: entries ?? [], compression };
}

async function readInner(
  member: NodeJS.ReadableStream | Readable | AsyncIterable<unknown>,
  ext: string,
  what: string,
  onEntry: (h: Headers, data: Buffer) => void,
): Promise<void> {
  const inner = extract();
  const done = pipeline(member as Readable, decompressor(ext, what), inner);
  try {
    for await (const e of inner) onEntry(e.header, await drain(e));
    await done;
  } catch (err) {
    done.catch(() => undefined);
    throw err;
  }
}

function imageEntry(h: Headers, data: Buffer): ImageEntry | undefined {
  const path = h.name.replace(/^\.?\/?image\/?/, '').replace(/\/+$/, '');
  if (!path) return undefined;
  const type: EntryType =
    h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type === 'directory' || h.type === 'symlink' || h.type === 'link' ? h.type : 'other';
  const base = { path, type, mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, uname: h.uname ?? '', gname: h.gname ?? '' };
  if (type === 'symlink') return { ...base, linkname: h.linkname ?? '' };
  if (type === 'link') return { ...base, linkname: (h.linkname ?? '').replace(/^\.?\/?image\//, '') };
  if (type === 'file') return { ...base, data };
  return type === 'other' ? { ...base, rawType: String(h.type) } : base;
}

/** A metadata value as text, trailing newline removed (`''` when absent). */
export function metaText(pkg: Gpkg, key: string): string {
  return pkg.metadata.get(key)?.toString('utf8').replace(/\n+$/, '') ?? '';
}
