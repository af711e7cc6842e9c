/**
 * The packages of a subject's last successful build, as a lock records them: every binpkg the
 * state lists (Packages PATH values), looked up in its partition's `Packages` index for CPV,
 * USE, BUILD_ID and REPO. Packages emerged without a binpkg cannot be locked and are named.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePackagesIndex, type IndexBlock } from '../binhost/packages-index.ts';
import type { SubjectState } from '../plan/state.ts';
import { cpnOf } from '../plan/tree-slice.ts';
import type { LockedPackage } from './format.ts';

export interface StatePackages {
  packages: Record<string, LockedPackage>;
  /** cat/pf emerged for the subject with no binpkg in the index (not lockable). */
  unlocked: string[];
}

/** Enabled flags, sorted and space-separated, as the index writes them. */
export function normalizeUse(use: string | undefined): string {
  return [...new Set((use ?? '').split(/\s+/).filter(Boolean))].sort().join(' ');
}

export function lockedPackageOf(block: IndexBlock): LockedPackage {
  const id = block.BUILD_ID && /^\d+$/.test(block.BUILD_ID) ? Number(block.BUILD_ID) : undefined;
  return { use: normalizeUse(block.USE), ...(id !== undefined ? { buildId: id } : {}), ...(block.REPO ? { repo: block.REPO } : {}) };
}

/** Index blocks by PATH, per partition directory (read once per call site). */
export class PartitionIndexes {
  private readonly byDir = new Map<string, Promise<Map<string, IndexBlock>>>();

  of(dir: string): Promise<Map<string, IndexBlock>> {
    let p = this.byDir.get(dir);
    if (!p) {
      p = readFile(join(dir, 'Packages'), 'utf8').then(
        (text) => new Map(parsePackagesIndex(text).packages.flatMap((b) => (b.PATH ? [[b.PATH, b] as const] : []))),
        () => new Map<string, IndexBlock>(),
      );
      this.byDir.set(dir, p);
    }
    return p;
  }
}

export async function statePackages(state: SubjectState, indexes: PartitionIndexes): Promise<StatePackages> {
  const index = await indexes.of(state.partition.dir);
  const packages: Record<string, LockedPackage> = {};
  for (const path of state.packages) {
    const block = index.get(path);
    if (block?.CPV) packages[block.CPV] = lockedPackageOf(block);
  }
  const unlocked = [...new Set([...state.built, ...state.binary])].filter((cpv) => !packages[cpv]).sort();
  return { packages, unlocked };
}

/** Differences between locked packages and another resolution of the same subject, one line each. */
export function diffPackages(locked: Record<string, LockedPackage>, now: Record<string, LockedPackage>, how: { has: string; lacks: string }): string[] {
  const out: string[] = [];
  const what = how.has;
  const lockedByCpn = new Map(Object.keys(locked).map((cpv) => [cpnOf(cpv), cpv]));
  const nowByCpn = new Map(Object.keys(now).map((cpv) => [cpnOf(cpv), cpv]));
  for (const cpv of Object.keys(now).sort()) {
    const l = locked[cpv];
    const n = now[cpv]!;
    if (!l) {
      const other = lockedByCpn.get(cpnOf(cpv));
      out.push(
        other
          ? `${cpnOf(cpv)}: locked ${other.slice(cpnOf(cpv).length + 1)}, ${what} ${cpv.slice(cpnOf(cpv).length + 1)}`
          : `${cpv}: not in the lock, ${what} it`,
      );
      continue;
    }
    if (l.use !== n.use) out.push(`${cpv}: USE locked "${l.use}", ${what} "${n.use}"`);
  }
  for (const cpv of Object.keys(locked).sort()) {
    if (!now[cpv] && !nowByCpn.has(cpnOf(cpv))) out.push(`${cpv}: locked, ${how.lacks}`);
  }
  return out;
}

/** Same version and USE, another binpkg instance: a rebuild from source (version and USE are what a lock pins). */
export function diffBuildIds(locked: Record<string, LockedPackage>, now: Record<string, LockedPackage>): string[] {
  return Object.keys(now)
    .sort()
    .filter((cpv) => {
      const l = locked[cpv];
      const n = now[cpv]!;
      return l && l.use === n.use && l.buildId !== undefined && n.buildId !== undefined && l.buildId !== n.buildId;
    })
    .map((cpv) => `${cpv}: locked build ${locked[cpv]!.buildId}, the last build has build ${now[cpv]!.buildId}`);
}
