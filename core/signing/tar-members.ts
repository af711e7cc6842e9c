/**
 * The outer tar of a GPKG read by offsets, without extracting: each member's header span (pax or
 * GNU long-name headers included), data offset and size. Signing copies members byte for byte
 * from these spans, so the signed bytes are exactly the bytes a client later reads.
 */
import type { FileHandle } from 'node:fs/promises';
import { BinfarmError } from '../errors.ts';

export interface TarMember {
  /** Full member name, e.g. `foo-1.0-1/image.tar.zst`. */
  name: string;
  /** Where this member's first header block (an extended header, if any) starts. */
  start: number;
  /** Where the data starts. */
  dataOffset: number;
  size: number;
  /** End of the data rounded up to a 512-byte block: the span [start, end) is the whole member. */
  end: number;
  /** Tar type flag ('0' regular file). */
  type: string;
}

const BLOCK = 512;

function field(h: Buffer, off: number, len: number): string {
  const s = h.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
}

function octal(h: Buffer, off: number, len: number): number {
  // GNU base-256 for sizes over 8 GiB: high bit of the first byte set.
  if (h[off]! & 0x80) return Number(h.readBigUInt64BE(off + len - 8));
  const s = field(h, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h, 148, 8);
}

function paxPath(data: Buffer): string | undefined {
  // Records are "<len> <key>=<value>\n".
  let i = 0;
  let path: string | undefined;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString());
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') path = rec.slice(eq + 1);
    i += len;
  }
  return path;
}

/** Every member of the tar open in `fh` (file size `size`), in order; `label` names the file in errors. */
export async function readTarMembers(fh: FileHandle, size: number, label: string): Promise<TarMember[]> {
  const members: TarMember[] = [];
  const h = Buffer.alloc(BLOCK);
  let pos = 0;
  let spanStart = 0;
  let longName: string | undefined;
  const bad = (why: string) =>
    new BinfarmError('E_BINPKG_CORRUPT', `${label} is not a readable GPKG tar: ${why}`, {
      hint: 'Remove the file (and run `binfarm run` again to rebuild it); it was damaged or is not a binpkg.',
    });
  while (pos + BLOCK <= size) {
    await fh.read(h, 0, BLOCK, pos);
    if (h.every((b) => b === 0)) break; // end-of-archive blocks
    if (!checksumOk(h)) throw bad(`bad header checksum at byte ${pos}`);
    const type = String.fromCharCode(h[156] || 0x30);
    const dataSize = octal(h, 124, 12);
    const dataOffset = pos + BLOCK;
    const end = dataOffset + Math.ceil(dataSize / BLOCK) * BLOCK;
    if (end > size) throw bad(`member at byte ${pos} runs past the end of the file`);
    if (type === 'x' || type === 'L') {
      const d = Buffer.alloc(dataSize);
      await fh.read(d, 0, dataSize, dataOffset);
      longName = type === 'L' ? field(d, 0, dataSize) : (paxPath(d) ?? longName);
      pos = end;
      continue;
    }
    if (type === 'g') {
      pos = end;
      spanStart = pos;
      continue;
    }
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    members.push({ name, start: spanStart, dataOffset, size: dataSize, end, type });
    longName = undefined;
    pos = end;
    spanStart = pos;
  }
  return members;
}

/** A ustar header for a regular file (mode 0644, owner 0:0); names over 100 bytes use the prefix field. */
export function ustarHeader(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new BinfarmError('E_INTERNAL', `tar member name too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'utf8');
  const num = (n: number, off: number, len: number) => put(`${n.toString(8).padStart(len - 1, '0')}\0`, off, len);
  put(base, 0, 100);
  num(0o644, 100, 8);
  num(0, 108, 8);
  num(0, 116, 8);
  num(size, 124, 12);
  num(Math.floor(mtime), 136, 12);
  h.fill(0x20, 148, 156);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  put(prefix, 345, 155);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}
