/**
 * A package's entry in Portage's installed-package database, /var/db/pkg/<cat>/<pf>/, as a binary
 * merge leaves it (lib/_emerge/Binpkg.py, lib/portage/dbapi/vartree.py): every file of the
 * binpkg's metadata (its build-info), BINPKGMD5 (the binpkg's MD5 from the Packages index),
 * CONTENTS (contents.ts) and COUNTER (the global counter after the merge, no newline). COUNTER
 * differs between images that share the package, so it is written by the assembly's last layer
 * (counterEntries), not with the package's files: the package layer stays shareable.
 */
import type { LayerEntry } from './layer-tar.ts';

export const VDB = 'var/db/pkg';

/** A root-owned 0644 file of the assembly's own (vdb files, counters, world files). */
export const rootFile = (path: string, data: Buffer, mtime: number): LayerEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  uname: 'root',
  gname: 'root',
  mtime,
  data,
});
export const rootDir = (path: string, mtime: number): LayerEntry => ({
  path,
  type: 'directory',
  mode: 0o755,
  uid: 0,
  gid: 0,
  uname: 'root',
  gname: 'root',
  mtime,
});

export function vdbEntries(cpv: string, metadata: Map<string, Buffer>, contents: string, binpkgMd5: string | undefined, mtime: number): LayerEntry[] {
  const dir = `${VDB}/${cpv}`;
  const out: LayerEntry[] = [rootDir(dir, mtime)];
  for (const [key, data] of metadata) out.push(rootFile(`${dir}/${key}`, data, mtime));
  if (binpkgMd5) out.push(rootFile(`${dir}/BINPKGMD5`, Buffer.from(`${binpkgMd5}\n`), mtime));
  out.push(rootFile(`${dir}/CONTENTS`, Buffer.from(contents), mtime));
  return out;
}

/** COUNTER of each package (in merge order, from `start + 1`) and Portage's global counter file. */
export function counterEntries(cpvs: string[], start: number, mtime: number): LayerEntry[] {
  const out = cpvs.map((cpv, i) => rootFile(`${VDB}/${cpv}/COUNTER`, Buffer.from(String(start + 1 + i)), mtime));
  out.push(rootFile('var/cache/edb/counter', Buffer.from(String(start + cpvs.length)), mtime));
  return out;
}

/** World files after the merge: the old lines and the new ones, sorted and unique (Portage's WorldSelectedSet.write). */
export function worldText(old: string, add: string[]): string {
  const lines = new Set([...old.split('\n').filter((l) => l.trim()), ...add]);
  return [...lines]
    .sort()
    .map((l) => `${l}\n`)
    .join('');
}
