/**
 * `binfarm binhost verify [--fix]`: hashes every binpkg of every local partition and of every
 * complete generation of the publish targets on this machine against their `Packages` index.
 * `--fix` quarantines the bad files of local partitions and rewrites their index (reconcile.ts);
 * published generations are immutable and never touched — a new publish replaces a damaged one.
 */
import type { FarmContext } from '../types.ts';
import { binhostRoot } from '../binhost/partition.ts';
import { reconcilePartition } from '../binhost/reconcile.ts';
import { findPartitions } from '../binhost/serve.ts';
import { verifyCacheDir } from '../binhost/verify-cache.ts';
import { resolveStateDir } from '../run/paths.ts';
import { checkIndexedDir, type BadFile } from './generation-check.ts';
import { completeGenerations, generationOfLink } from './generations.ts';
import { LocalFs } from './target-fs.ts';
import { publishTargets } from './targets.ts';
import { join, posix } from 'node:path';

export interface PartitionReport {
  rel: string;
  dir: string;
  checked: number;
  bad: BadFile[];
  /** With --fix: where the bad files went. */
  quarantineDir?: string;
}

export interface GenerationReport {
  target: string;
  partition: string;
  generation: number;
  current: boolean;
  checked: number;
  bad: BadFile[];
}

export interface VerifyReport {
  partitions: PartitionReport[];
  generations: GenerationReport[];
  /** Targets on other hosts, not checked (their files are not on this machine). */
  remoteTargets: string[];
  fixed: boolean;
}

/** Bad files left after the command (fixed local partitions do not count). */
export function badCount(r: VerifyReport): number {
  return (r.fixed ? 0 : r.partitions.reduce((n, p) => n + p.bad.length, 0)) + r.generations.reduce((n, g) => n + g.bad.length, 0);
}

export async function verifyBinhost(farm: FarmContext, opts: { fix?: boolean; log?: (line: string) => void } = {}): Promise<VerifyReport> {
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const root = binhostRoot(farm.options, stateDir);
  const cacheDir = verifyCacheDir(stateDir);
  const id = `verify-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
  const report: VerifyReport = { partitions: [], generations: [], remoteTargets: [], fixed: !!opts.fix };
  for (const rel of await findPartitions(root)) {
    const dir = join(root, ...rel.split('/'));
    opts.log?.(`hashing partition ${rel}`);
    const r = await reconcilePartition({ stateDir, dir, rel, id, mode: 'full', dryRun: !opts.fix });
    report.partitions.push({
      rel,
      dir,
      checked: r.checked,
      bad: r.bad.map(({ path, name, cpv, kind, what }) => ({ path, name, cpv, kind, what })),
      ...(r.quarantineDir ? { quarantineDir: r.quarantineDir } : {}),
    });
  }
  for (const t of publishTargets(farm.options, farm.rootDir)) {
    if (!(t.fs instanceof LocalFs)) {
      report.remoteTargets.push(t.name);
      continue;
    }
    for (const rel of await findPartitions(t.root)) {
      const base = posix.join(t.root, rel);
      const current = generationOfLink(await t.fs.readlink(posix.join(base, 'current')));
      for (const g of await completeGenerations(t.fs, base)) {
        opts.log?.(`hashing ${t.name} ${rel} generation ${g}`);
        const c = await checkIndexedDir(posix.join(base, 'generations', String(g)), { mode: 'full', cacheDir });
        report.generations.push({ target: t.name, partition: rel, generation: g, current: g === current, checked: c.index?.packages.length ?? 0, bad: c.bad });
      }
    }
  }
  return report;
}
