/** `binfarm binhost list|rollback`: generations of the published partitions, per target. */
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import { binhostRoot } from '../binhost/partition.ts';
import { findPartitions } from '../binhost/serve.ts';
import { resolveStateDir } from '../run/paths.ts';
import { describePartition, rollbackGeneration, type GenerationInfo } from './generations.ts';
import { publishTargets, type NamedTarget } from './targets.ts';
import { LocalFs } from './target-fs.ts';

function targetsOf(farm: FarmContext, wanted: string | undefined): NamedTarget[] {
  const all = publishTargets(farm.options, farm.rootDir);
  if (!all.length) {
    throw new BinfarmError('E_USAGE', 'binhost.publish has no targets', {
      hint: 'Add one, e.g. binhost: { publish: [{ type: "dir", path: "/srv/binhost" }] }, then `binfarm run --publish`.',
    });
  }
  if (!wanted) return all;
  const hit = all.filter((t) => t.name === wanted || t.root === wanted || t.name.endsWith(`:${wanted}`));
  if (!hit.length) throw new BinfarmError('E_USAGE', `no publish target "${wanted}"`, { hint: `Targets: ${all.map((t) => t.name).join(', ')}.` });
  return hit;
}

/** Partitions of a target: found in it when it is local, else those of the local binhost. */
async function partitionsOf(farm: FarmContext, t: NamedTarget): Promise<string[]> {
  if (t.fs instanceof LocalFs) return findPartitions(t.root);
  return findPartitions(binhostRoot(farm.options, resolveStateDir(farm.options, farm.rootDir)));
}

export async function listGenerations(farm: FarmContext, opts: { target?: string } = {}): Promise<Array<{ target: string; partitions: GenerationInfo[] }>> {
  const out = [];
  for (const t of targetsOf(farm, opts.target)) {
    const partitions = [];
    for (const p of await partitionsOf(farm, t)) partitions.push(await describePartition(t.fs, t.root, p));
    out.push({ target: t.name, partitions });
  }
  return out;
}

export async function rollback(
  farm: FarmContext,
  opts: { partition?: string; target?: string } = {},
): Promise<Array<{ target: string; partition: string; from: number; to: number }>> {
  const out = [];
  for (const t of targetsOf(farm, opts.target)) {
    let partition = opts.partition?.replace(/^\/+|\/+$/g, '');
    if (!partition) {
      const found = (await partitionsOf(farm, t)).filter(Boolean);
      if (found.length !== 1) {
        throw new BinfarmError(
          'E_USAGE',
          found.length ? `${t.name} holds ${found.length} partitions; say which one to roll back` : `${t.name} holds no published partition`,
          {
            hint: found.length ? `Use --partition with one of: ${found.join(', ')}.` : 'Publish first (`binfarm run --publish`).',
          },
        );
      }
      partition = found[0]!;
    }
    const r = await rollbackGeneration(t.fs, t.root, partition);
    out.push({ target: t.name, partition, ...r });
  }
  return out;
}
