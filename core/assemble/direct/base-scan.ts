/**
 * What the direct assembly must know of the `from` image's filesystem, read in one pass over its
 * export (a created, never started container): every path's type, mode and owner (to resolve
 * symlinked directories such as /bin -> usr/bin and to keep existing directories' attributes, as a
 * merge does), the md5 of regular files under CONFIG_PROTECT (a merge does not overwrite them),
 * the installed packages of /var/db/pkg (their COUNTER, SLOT and the files CONTENTS gives them,
 * for collisions and the next COUNTER), its files an SBOM reads (direct-sbom.ts), Portage's global
 * counter and the world files.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { drain } from './decompress.ts';
import type { EntryType, ImageEntry } from './gpkg-read.ts';
import { parseContentsLine } from './contents.ts';
import { isProtected, type ProtectConfig } from './config-protect.ts';
import { VDB_SBOM_KEYS } from '../../sbom/vdb.ts';

/** What the from image has at a path: an image entry's kind, owner and mode, without its content. */
export type Node = Pick<ImageEntry, 'type' | 'mode' | 'uid' | 'gid' | 'uname' | 'gname' | 'linkname'>;

export interface InstalledPackage {
  /** cat/pf */
  cpv: string;
  slot: string;
  counter: number;
}

export interface BaseScan {
  nodes: Map<string, Node>;
  /** Regular files under CONFIG_PROTECT: path → md5 (hex). */
  protectedMd5: Map<string, string>;
  /** Path (no leading slash) → cat/pf of the installed package whose CONTENTS lists it (files and symlinks). */
  owners: Map<string, string>;
  installed: InstalledPackage[];
  /** /var/db/pkg/<cat>/<pf>/<KEY> files an SBOM reads (VDB_SBOM_KEYS): path (no leading slash) → content. */
  vdbFiles: Map<string, Buffer>;
  /** /var/cache/edb/counter, or -1 when absent. */
  counter: number;
  world: string;
  worldSets: string;
}

export function emptyScan(): BaseScan {
  return { nodes: new Map(), protectedMd5: new Map(), owners: new Map(), installed: [], vdbFiles: new Map(), counter: -1, world: '', worldSets: '' };
}

const VDB_FILE = /^var\/db\/pkg\/([^/]+\/[^/]+)\/(CONTENTS|COUNTER|SLOT)$/;
const VDB_KEY = /^var\/db\/pkg\/[^/]+\/[^/]+\/([^/]+)$/;

export async function scanBase(exported: Readable, protect: ProtectConfig): Promise<BaseScan> {
  const scan = emptyScan();
  const vdb = new Map<string, { slot: string; counter: number; contents: string }>();
  const ex = extract();
  const done = pipeline(exported, ex);
  try {
    for await (const e of ex) {
      const h = e.header;
      const path = h.name.replace(/^\.?\//, '').replace(/\/+$/, '');
      const type: EntryType = h.type === 'file' || h.type === 'directory' || h.type === 'symlink' || h.type === 'link' ? h.type : 'other';
      if (path) {
        scan.nodes.set(path, {
          type,
          mode: (h.mode ?? 0) & 0o7777,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          uname: h.uname ?? '',
          gname: h.gname ?? '',
          ...(h.linkname ? { linkname: h.linkname } : {}),
        });
      }
      const m = VDB_FILE.exec(path);
      const sbomKey = VDB_SBOM_KEYS.has(VDB_KEY.exec(path)?.[1] ?? '');
      const wanted =
        type === 'file' &&
        (m ||
          sbomKey ||
          path === 'var/cache/edb/counter' ||
          path === 'var/lib/portage/world' ||
          path === 'var/lib/portage/world_sets' ||
          isProtected(`/${path}`, protect));
      if (!wanted) {
        e.resume();
        continue;
      }
      const data = await drain(e);
      if (sbomKey) scan.vdbFiles.set(path, data);
      if (m) {
        const p = vdb.get(m[1]!) ?? { slot: '0', counter: -1, contents: '' };
        const text = data.toString('utf8');
        if (m[2] === 'CONTENTS') p.contents = text;
        else if (m[2] === 'SLOT') p.slot = text.trim() || '0';
        else p.counter = Number.parseInt(text.trim(), 10) || -1;
        vdb.set(m[1]!, p);
      } else if (path === 'var/cache/edb/counter') scan.counter = Number.parseInt(data.toString('utf8').trim(), 10) || -1;
      else if (path === 'var/lib/portage/world') scan.world = data.toString('utf8');
      else if (path === 'var/lib/portage/world_sets') scan.worldSets = data.toString('utf8');
      else if (!sbomKey) scan.protectedMd5.set(path, createHash('md5').update(data).digest('hex'));
    }
    await done;
  } catch (err) {
    done.catch(() => undefined);
    throw err;
  }
  for (const [cpv, p] of [...vdb].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    scan.installed.push({ cpv, slot: p.slot, counter: p.counter });
    for (const line of p.contents.split('\n')) {
      const l = parseContentsLine(line);
      if (l && l.type !== 'dir') scan.owners.set(l.path.replace(/^\/+/, ''), cpv);
    }
  }
  return scan;
}
