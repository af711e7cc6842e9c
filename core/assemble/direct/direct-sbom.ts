/**
 * The SBOM of a direct assembly (docs/sbom.md), the same document the emerge path makes from the
 * image's /var/db/pkg (core/sbom/assembly-sbom.ts), made on the host instead: the from image's
 * vdb files its scan kept (base-scan.ts) and the vdb entries written for the new packages
 * (vdb-entry.ts) are put into one tar shaped like the archive endpoint's answer and read by the
 * same parser (core/sbom/vdb.ts readVdbTar), so both paths cannot read the database differently.
 * Its creation time comes from the packages' BUILD_TIMEs (core/sbom/spdx.ts), never from now.
 */
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { makeSbomOf, SBOM_PATH, type MadeSbom } from '../../sbom/image-sbom.ts';
import type { BinpkgFacts } from '../../sbom/spdx.ts';
import { readVdbTar, VDB_SBOM_KEYS, type InstalledPackage } from '../../sbom/vdb.ts';
import type { Node } from './base-scan.ts';
import type { LayerEntry } from './layer-tar.ts';
import { rootFile, VDB } from './vdb-entry.ts';

export interface DirectSbomSpec {
  /** What the image is called (its repository), as on the emerge path. */
  name: string;
  /** The binpkg a package was merged from (core/sbom/binpkg-facts.ts over the partition's index). */
  binpkgOf: (p: InstalledPackage) => BinpkgFacts | undefined;
}

/** `<cat>/<pf>` (a package's vdb directory) or `<cat>/<pf>/<KEY>` below /var/db/pkg, else undefined. */
function vdbRel(path: string): string | undefined {
  if (!path.startsWith(`${VDB}/`)) return undefined;
  const rel = path.slice(VDB.length + 1);
  const depth = rel.split('/').length;
  return depth === 2 || depth === 3 ? rel : undefined;
}

/**
 * The packages installed after the merge: every package directory of the from image (its nodes)
 * and of the new packages, with the SBOM's keys (VDB_SBOM_KEYS) from the scan and from the new entries.
 */
export async function installedAfterMerge(
  baseNodes: ReadonlyMap<string, Node>,
  baseFiles: ReadonlyMap<string, Buffer>,
  added: Iterable<LayerEntry>,
): Promise<InstalledPackage[]> {
  const dirs = new Set<string>();
  const files = new Map<string, Buffer>();
  for (const [path, n] of baseNodes) {
    const rel = vdbRel(path);
    if (rel && n.type === 'directory' && rel.split('/').length === 2) dirs.add(rel);
  }
  for (const [path, data] of baseFiles) {
    const rel = vdbRel(path);
    if (rel) files.set(rel, data);
  }
  for (const e of added) {
    const rel = vdbRel(e.path);
    if (!rel) continue;
    if (e.type === 'directory' && rel.split('/').length === 2) dirs.add(rel);
    else if (e.type === 'file' && e.data && VDB_SBOM_KEYS.has(rel.split('/')[2]!)) files.set(rel, e.data);
  }
  const tar = pack();
  for (const d of [...dirs].sort()) tar.entry({ name: `pkg/${d}/`, type: 'directory', mode: 0o755 });
  for (const [rel, data] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) tar.entry({ name: `pkg/${rel}`, mode: 0o644 }, data);
  tar.finalize();
  return readVdbTar(tar as unknown as Readable);
}

export async function directSbom(
  spec: DirectSbomSpec,
  baseNodes: ReadonlyMap<string, Node>,
  baseFiles: ReadonlyMap<string, Buffer>,
  added: Iterable<LayerEntry>,
): Promise<MadeSbom> {
  return makeSbomOf(spec.name, await installedAfterMerge(baseNodes, baseFiles, added), spec.binpkgOf);
}

/** The SBOM file as a layer entry: mode 0644, root, mtime = its creation time (or SOURCE_DATE_EPOCH, as every mtime of the image). */
export function sbomEntry(sbom: MadeSbom, sourceDateEpoch?: number): LayerEntry {
  return rootFile(SBOM_PATH.slice(1), Buffer.from(sbom.text), sourceDateEpoch ?? Math.floor(Date.parse(sbom.doc.creationInfo.created) / 1000));
}
