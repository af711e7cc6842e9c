/**
 * Which binpkg of the binhost index an installed package was merged from: the entry with its
 * CPV and BUILD_ID (binpkg-multi-instance); when the vdb has no BUILD_ID, the entry of that CPV
 * with its BUILD_TIME (the binpkg and the vdb entry come from the same build).
 */
import type { IndexBlock, PackagesIndex } from '../binhost/packages-index.ts';
import { INDEX_DIGESTS, type BinpkgFacts } from './spdx.ts';
import { cpvOf, type InstalledPackage } from './vdb.ts';

function factsOf(e: IndexBlock): BinpkgFacts {
  const checksums: Record<string, string> = {};
  for (const [key, algorithm] of Object.entries(INDEX_DIGESTS)) if (e[key]) checksums[algorithm] = e[key]!.toLowerCase();
  return { path: e.PATH ?? '', ...(e.SIZE ? { size: e.SIZE } : {}), checksums };
}

/** A lookup over one or more indexes (the partitions an image's packages may come from). */
export function binpkgLookup(indexes: readonly PackagesIndex[]): (p: InstalledPackage) => BinpkgFacts | undefined {
  const byCpv = new Map<string, IndexBlock[]>();
  for (const index of indexes) {
    for (const e of index.packages) {
      if (!e.CPV || !e.PATH) continue;
      const list = byCpv.get(e.CPV) ?? [];
      list.push(e);
      byCpv.set(e.CPV, list);
    }
  }
  return (p) => {
    const list = byCpv.get(cpvOf(p)) ?? [];
    const hit = p.buildId ? list.find((e) => e.BUILD_ID === p.buildId) : p.buildTime ? list.find((e) => e.BUILD_TIME === p.buildTime) : undefined;
    return hit ? factsOf(hit) : undefined;
  };
}
