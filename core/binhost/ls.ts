/**
 * `binfarm binhost ls`: what the local binhost holds, per partition — each binpkg with the
 * subjects whose last build is made of it (state files, `packages` = Packages PATH values) and
 * the published generations that carry it, per publish target.
 */
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import { readSubjectState, type SubjectState } from '../plan/state.ts';
import { resolveStateDir } from '../run/paths.ts';
import { completeGenerations } from '../publish/generations.ts';
import { publishTargets, type NamedTarget } from '../publish/targets.ts';
import { parsePackagesIndex } from './packages-index.ts';
import { binhostRoot } from './partition.ts';
import { readPartitionView, type PackageRow } from './partition-view.ts';
import { findPartitions } from './serve.ts';

export interface LsPackage extends PackageRow {
  /** Subjects whose recorded build uses this binpkg. */
  subjects: string[];
  /** Publish target name → generations (oldest first) whose index lists this binpkg. */
  generations: Record<string, number[]>;
}

export interface LsPartition {
  partition: string;
  packages: LsPackage[];
}

export interface LsResult {
  root: string;
  partitions: LsPartition[];
  /** Targets that could not be read (e.g. an unreachable rsync host); their generations are missing. */
  warnings: string[];
}

/** Recorded builds of every subject (`<stateDir>/subjects/<name>.json`, attempts skipped). */
export async function subjectStates(stateDir: string): Promise<SubjectState[]> {
  const names = await readdir(join(stateDir, 'subjects')).catch(() => [] as string[]);
  const out: SubjectState[] = [];
  for (const n of names.sort()) {
    if (!n.endsWith('.json') || n.endsWith('.attempt.json')) continue;
    const s = await readSubjectState(stateDir, n.slice(0, -'.json'.length));
    if (s) out.push(s);
  }
  return out;
}

/** PATH → generations of one partition on one target. */
async function generationsByPath(t: NamedTarget, partition: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const base = posix.join(t.root, partition);
  for (const g of await completeGenerations(t.fs, base)) {
    const text = await t.fs.readText(posix.join(base, 'generations', String(g), 'Packages'));
    if (!text) continue;
    for (const p of parsePackagesIndex(text).packages) if (p.PATH) out.set(p.PATH, [...(out.get(p.PATH) ?? []), g]);
  }
  return out;
}

const trimSlashes = (p: string) => p.replace(/^\/+|\/+$/g, '');

export async function listBinhost(farm: FarmContext, opts: { partition?: string; subject?: string } = {}): Promise<LsResult> {
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const root = binhostRoot(farm.options, stateDir);
  let partitions = await findPartitions(root).catch((): string[] => []);
  const states = await subjectStates(stateDir);
  let only: SubjectState | undefined;
  if (opts.subject) {
    only = states.find((s) => s.subject === opts.subject);
    if (!only) {
      throw new BinfarmError('E_USAGE', `no build of subject "${opts.subject}" is recorded in ${join(stateDir, 'subjects')}`, {
        hint: states.length ? `Subjects built so far: ${states.map((s) => s.subject).join(', ')}.` : 'Nothing has been built yet: `binfarm run` first.',
      });
    }
    partitions = partitions.filter((p) => p === only!.partition.rel);
  }
  if (opts.partition) {
    const wanted = trimSlashes(opts.partition);
    if (!partitions.includes(wanted)) {
      const all = await findPartitions(root).catch((): string[] => []);
      throw new BinfarmError('E_USAGE', `no partition "${wanted}" in the local binhost ${root}${only ? ` for subject ${only.subject}` : ''}`, {
        hint: all.length ? `Partitions: ${all.join(', ')}.` : 'The local binhost is empty: `binfarm run` first.',
      });
    }
    partitions = [wanted];
  }
  const targets = publishTargets(farm.options, farm.rootDir);
  const warnings: string[] = [];
  const out: LsPartition[] = [];
  for (const partition of partitions) {
    const view = await readPartitionView(root, partition);
    if (!view) continue;
    const bySubject = new Map<string, string[]>();
    for (const s of states) {
      if (s.partition.rel !== partition) continue;
      for (const path of s.packages) bySubject.set(path, [...(bySubject.get(path) ?? []), s.subject]);
    }
    const published = new Map<string, Map<string, number[]>>();
    for (const t of targets) {
      try {
        published.set(t.name, await generationsByPath(t, partition));
      } catch (e) {
        warnings.push(`${t.name}: ${(e as Error).message}`);
      }
    }
    const rows = view.packages
      .filter((p) => !only || only.packages.includes(p.path))
      .map((p): LsPackage => {
        const generations: Record<string, number[]> = {};
        for (const [name, byPath] of published) {
          const gens = byPath.get(p.path);
          if (gens) generations[name] = gens;
        }
        return { ...p, subjects: bySubject.get(p.path) ?? [], generations };
      });
    out.push({ partition, packages: rows });
  }
  return { root, partitions: out, warnings };
}

export interface LocalPartition {
  partition: string;
  packages: number;
  /** Sum of the index's SIZE values. */
  bytes: number;
  indexTime: number | undefined;
}

/** The local binhost's partitions (what `binhost list` shows when nothing is published). */
export async function listLocalPartitions(farm: FarmContext): Promise<{ root: string; partitions: LocalPartition[] }> {
  const root = binhostRoot(farm.options, resolveStateDir(farm.options, farm.rootDir));
  const partitions: LocalPartition[] = [];
  for (const partition of await findPartitions(root).catch((): string[] => [])) {
    const view = await readPartitionView(root, partition);
    partitions.push({
      partition,
      packages: view?.packages.length ?? 0,
      bytes: view?.packages.reduce((n, p) => n + (p.size ?? 0), 0) ?? 0,
      indexTime: view?.indexTime,
    });
  }
  return { root, partitions };
}
