/**
 * The binpkgs a subject is made of: for every package emerged for it (built or reused), the
 * newest instance of that CPV in the partition's index (BUILD_TIME, then BUILD_ID).
 */
import type { PackagesIndex, IndexBlock } from './packages-index.ts';

export interface SubjectBinpkgs {
  /** PATH values (relative to the partition), in the order of `cpvs`. */
  paths: string[];
  /** CPVs with no entry in the index. */
  missing: string[];
}

const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : -1);

export function binpkgsOf(index: PackagesIndex, cpvs: readonly string[]): SubjectBinpkgs {
  const newest = new Map<string, IndexBlock>();
  for (const p of index.packages) {
    const cpv = p.CPV!;
    const prev = newest.get(cpv);
    if (!prev || num(p.BUILD_TIME) > num(prev.BUILD_TIME) || (num(p.BUILD_TIME) === num(prev.BUILD_TIME) && num(p.BUILD_ID) > num(prev.BUILD_ID)))
      newest.set(cpv, p);
  }
  const paths: string[] = [];
  const missing: string[] = [];
  for (const cpv of cpvs) {
    const e = newest.get(cpv);
    if (e?.PATH) paths.push(e.PATH);
    else missing.push(cpv);
  }
  return { paths, missing };
}
