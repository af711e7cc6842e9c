/**
 * Places one package's image on the assembly's filesystem view as a merge would, producing the
 * entries of its layer and its CONTENTS lines:
 *  - paths are resolved through symlinked directories of the view (path-view.ts); a directory
 *    that already exists keeps its mode and owner, and every parent a layer needs is written with
 *    the attributes it already has (the layer is applied on its own, parents included);
 *  - a file under CONFIG_PROTECT that would replace a different file of the from image goes to
 *    `._cfgNNNN_<name>` (config-protect.ts); an identical one is left as it is;
 *  - a hard link stays a hard link to its target (layer-tar.ts writes links after every other
 *    entry, so the target is there first), as a merge keeps it; it becomes a copy only when its
 *    target is not written into this layer (a protected file left as it is); CONTENTS lists it as
 *    `obj`, as it does for a merged hard link;
 *  - a collision (a file another package owns, a directory where a file or symlink goes, a file
 *    where a directory goes) is returned as a reason to fall back, nothing is placed.
 * Every entry gets the package's fixed mtime.
 */
import type { BaseScan } from './base-scan.ts';
import { isProtected, protectedName, type ProtectConfig } from './config-protect.ts';
import { md5Hex, type ContentsLine } from './contents.ts';
import type { Gpkg, ImageEntry } from './gpkg-read.ts';
import type { LayerEntry } from './layer-tar.ts';
import type { PathView } from './path-view.ts';
import { rootDir } from './vdb-entry.ts';

export interface Placed {
  entries: Map<string, LayerEntry>;
  contents: ContentsLine[];
}

export interface PlaceContext {
  view: PathView;
  base: BaseScan;
  protect: ProtectConfig;
  /** Path → cat/pf for files placed by earlier packages of this assembly. */
  placedOwners: Map<string, string>;
}

export function placePackage(cpv: string, pkg: Gpkg, mtime: number, ctx: PlaceContext): Placed | { collision: string } {
  const { view, base, protect, placedOwners } = ctx;
  const entries = new Map<string, LayerEntry>();
  const contents: ContentsLine[] = [];
  const byPath = new Map(pkg.entries.map((e) => [e.path, e]));
  const sorted = [...pkg.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const ensureParents = (real: string) => addParentDirs(entries, view, real, mtime);
  const owner = (imagePath: string, real: string) => base.owners.get(imagePath) ?? base.owners.get(real) ?? placedOwners.get(real);
  const put = (e: ImageEntry, real: string, extra: Partial<LayerEntry>) => {
    ensureParents(real);
    const type = extra.type ?? (e.type as LayerEntry['type']);
    const entry: LayerEntry = { path: real, type, mode: e.mode, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname, mtime, ...extra };
    entries.set(real, entry);
    view.set(real, {
      type: type === 'link' ? 'file' : type,
      mode: entry.mode,
      uid: e.uid,
      gid: e.gid,
      uname: e.uname,
      gname: e.gname,
      ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}),
    });
  };

  // hard links after everything else: their targets are placed first
  for (const e of [...sorted.filter((x) => x.type !== 'link'), ...sorted.filter((x) => x.type === 'link')]) {
    const abs = `/${e.path}`;
    const real = view.resolveParents(e.path);
    const existing = view.get(real);
    if (e.type === 'directory') {
      if (existing?.type === 'directory') {
        ensureParents(real);
        entries.set(real, {
          path: real,
          type: 'directory',
          mode: existing.mode,
          uid: existing.uid,
          gid: existing.gid,
          uname: existing.uname,
          gname: existing.gname,
          mtime,
        });
      } else if (existing?.type === 'symlink' && view.isDirectory(real)) {
        // kept: the merge follows a symlink to a directory
      } else if (existing) {
        return { collision: `/${real} is a ${existing.type} in the image, the package has a directory there` };
      } else put(e, real, {});
      contents.push({ type: 'dir', path: abs });
      continue;
    }
    if (existing?.type === 'directory') return { collision: `installs /${e.path} where the image has a directory` };
    const other = owner(e.path, real);
    if (other && other !== cpv) return { collision: `/${e.path} is also installed by ${other}` };
    if (e.type === 'symlink') {
      put(e, real, { linkname: e.linkname ?? '' });
      contents.push({ type: 'sym', path: abs, target: e.linkname ?? '', mtime });
      placedOwners.set(real, cpv);
      continue;
    }
    const data = e.type === 'link' ? byPath.get(e.linkname ?? '')?.data : e.data;
    if (!data) return { collision: `/${e.path} is a hard link to /${e.linkname ?? ''}, which the package does not contain` };
    const md5 = md5Hex(data);
    contents.push({ type: 'obj', path: abs, md5, mtime });
    placedOwners.set(real, cpv);
    const was = base.protectedMd5.get(real);
    if (was !== undefined && existing?.type === 'file' && isProtected(`/${real}`, protect)) {
      if (was === md5) continue; // the same file: nothing to write
      const target = protectedName(real, (p) => view.get(p) !== undefined, view.nodes.keys());
      put(e, target, { type: 'file', data, mode: e.mode });
      continue;
    }
    const target = e.type === 'link' ? entries.get(view.resolveParents(e.linkname ?? '')) : undefined;
    if (target?.type === 'file') {
      // one inode: the link has its target's mode and owner
      const { mode, uid, gid, uname, gname } = target;
      put({ ...e, mode, uid, gid, uname, gname }, real, { type: 'link', linkname: target.path });
      continue;
    }
    put(e, real, { type: 'file', data });
  }
  return { entries, contents };
}

/** Adds every missing parent directory of `path`, with the attributes it has in the view (root 0755 when new). */
export function addParentDirs(entries: Map<string, LayerEntry>, view: PathView, path: string, mtime: number): void {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (entries.has(p)) continue;
    const n = view.get(p);
    entries.set(
      p,
      n?.type === 'directory' ? { path: p, type: 'directory', mode: n.mode, uid: n.uid, gid: n.gid, uname: n.uname, gname: n.gname, mtime } : rootDir(p, mtime),
    );
    if (!n) view.set(p, { type: 'directory', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root' });
  }
}
