/**
 * Lock drift: where the farm today differs from its `binfarm.lock` — a source (stage3, tree,
 * overlay) that resolves to another identity, a subject whose last build installed other
 * packages, versions or USE than the lock holds, a locked package the current tree no longer
 * offers (or offers a newer version of), subjects the lock names that the config no longer has,
 * and subjects it does not lock. `plan` prints it; `run --locked` refuses to build on it.
 */
import type { SubjectState } from '../plan/state.ts';
import { cpnOf, type NamedIndex } from '../plan/tree-slice.ts';
import type { ResolvedSources } from '../sources/types.ts';
import type { LockFile, LockedPackage } from './format.ts';
import { diffBuildIds, diffPackages, PartitionIndexes, statePackages } from './state-packages.ts';
import { vercmp } from './vercmp.ts';

export interface SourceDrift {
  /** `stage3`, `the tree`, `overlay "<name>"`. */
  source: string;
  /** Identity in the lock; undefined: the lock does not have this source. */
  locked?: string;
  /** Identity it resolves to now; undefined: the config no longer has this source. */
  now?: string;
}

export interface SubjectDrift {
  subject: string;
  /** The last build against the lock: `cat/pn: locked 1.0, last build has 1.1`, USE, build ids. */
  packages: string[];
  /** Same version and USE, another binpkg build (a rebuild from source): informational, `run --locked` accepts it. */
  builds: string[];
  /** Locked packages under the current tree: `cat/pn: locked 1.0, the tree now has 1.1`. */
  tree: string[];
}

export interface LockDrift {
  file: string;
  sources: SourceDrift[];
  subjects: SubjectDrift[];
  /** Subjects the lock names that the config no longer defines. */
  removed: string[];
  /** Subjects of the config the lock does not name. */
  unlocked: string[];
  /** What could not be compared (sources unknown until fetched). */
  notes: string[];
}

export interface DriftInput {
  file: string;
  lock: LockFile;
  sources: ResolvedSources;
  /** Every subject of the farm. */
  subjects: string[];
  states: Map<string, SubjectState | undefined>;
}

export const repoLabel = (name: string): string => (name === 'gentoo' ? 'the tree' : `overlay "${name}"`);

export async function lockDrift(input: DriftInput): Promise<LockDrift> {
  const { lock, sources } = input;
  const drift: LockDrift = { file: input.file, sources: [], subjects: [], removed: [], unlocked: [], notes: [] };
  if (lock.sources.stage3 && !sources.stage3) drift.notes.push('stage3: unknown until fetched, not compared with the lock');
  else if (sources.stage3 !== lock.sources.stage3) drift.sources.push({ source: 'stage3', ...defined(lock.sources.stage3, sources.stage3) });
  const resolved = new Map(sources.repos.map((r) => [r.name, r]));
  for (const name of [...new Set([...Object.keys(lock.sources.repos), ...resolved.keys()])].sort()) {
    const locked = lock.sources.repos[name];
    const r = resolved.get(name);
    if (r && !r.digest) drift.notes.push(`${repoLabel(name)}: unknown until fetched, not compared with the lock${locked ? ` (locked ${locked})` : ''}`);
    else if (r?.digest !== locked) drift.sources.push({ source: repoLabel(name), ...defined(locked, r?.digest) });
  }

  const farmSubjects = new Set(input.subjects);
  drift.removed = Object.keys(lock.subjects)
    .filter((s) => !farmSubjects.has(s))
    .sort();
  drift.unlocked = input.subjects.filter((s) => !lock.subjects[s]).sort();
  // The tree's offer is compared only when the tree moved: under the locked snapshot it is the locked one.
  const indexes = sources.tree && Object.values(lock.subjects).some((s) => s.tree && s.tree !== sources.tree) ? await sources.indexes() : undefined;
  const partitions = new PartitionIndexes();
  for (const name of Object.keys(lock.subjects).sort()) {
    if (!farmSubjects.has(name)) continue;
    const locked = lock.subjects[name]!;
    const state = input.states.get(name);
    const built = state ? (await statePackages(state, partitions)).packages : undefined;
    const packages = built ? diffPackages(locked.packages, built, { has: 'the last build has', lacks: 'not in the last build' }) : [];
    const builds = built ? diffBuildIds(locked.packages, built) : [];
    const tree = indexes && locked.tree !== sources.tree ? treeOffer(locked.packages, indexes) : [];
    if (packages.length || builds.length || tree.length) drift.subjects.push({ subject: name, packages, builds, tree });
  }
  return drift;
}

/** Locked versions the current tree no longer has, or has newer versions of. */
export function treeOffer(packages: Record<string, LockedPackage>, indexes: NamedIndex[]): string[] {
  const out: string[] = [];
  for (const cpv of Object.keys(packages).sort()) {
    const cpn = cpnOf(cpv);
    const version = cpv.slice(cpn.length + 1);
    const versions = [...new Set(indexes.flatMap((r) => r.index.packages[cpn]?.v ?? []))].sort(vercmp);
    if (!versions.includes(version)) out.push(`${cpn}: locked ${version}, the tree now has ${versions.join(' ') || 'no version'}`);
    else {
      const newer = versions.filter((v) => vercmp(v, version) > 0);
      if (newer.length) out.push(`${cpn}: locked ${version}, the tree now also has ${newer.join(' ')}`);
    }
  }
  return out;
}

export function hasDrift(d: LockDrift): boolean {
  return d.sources.length > 0 || d.subjects.some((s) => s.packages.length || s.tree.length) || d.removed.length > 0 || d.unlocked.length > 0;
}

export function sourceDriftLine(s: SourceDrift): string {
  if (s.locked === undefined) return `${s.source}: not in the lock, resolves to ${s.now}`;
  if (s.now === undefined) return `${s.source}: locked ${s.locked}, no longer configured`;
  return `${s.source}: locked ${s.locked}, now resolves to ${s.now}`;
}

/** Text for `plan`: one line per drift, indented under a heading naming the lock file. */
export function formatDrift(d: LockDrift): string {
  const lines: string[] = [];
  for (const s of d.sources) lines.push(`  ${sourceDriftLine(s)}`);
  for (const s of d.subjects) for (const c of [...s.tree, ...s.packages, ...s.builds]) lines.push(`  ${s.subject}: ${c}`);
  for (const s of d.removed) lines.push(`  ${s}: locked, but the config no longer defines this subject (run \`binfarm lock\` to drop it)`);
  for (const s of d.unlocked) lines.push(`  ${s}: not in the lock (run \`binfarm lock\` after its build)`);
  for (const n of d.notes) lines.push(`  note: ${n}`);
  if (!hasDrift(d)) return `lock ${d.file}: no drift${lines.length ? `\n${lines.join('\n')}` : ''}`;
  return `lock drift (${d.file}):\n${lines.join('\n')}`;
}

function defined(locked: string | undefined, now: string | undefined): { locked?: string; now?: string } {
  return { ...(locked !== undefined ? { locked } : {}), ...(now !== undefined ? { now } : {}) };
}
