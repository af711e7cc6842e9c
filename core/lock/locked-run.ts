/**
 * `binfarm run --locked`. Checked in three places, so that nothing the lock does not hold is
 * built, and nothing is committed (image, state, binhost generation) that differs from it:
 *   0. before the plan: the sources are resolved to their locked identities (pinLockedSources);
 *   1. after the plan, before any subject starts: every source resolves to its locked identity
 *      (else the error names the source, both identities, why the locked one cannot be had and
 *      the locked packages the current tree no longer offers); every planned subject is in the
 *      lock; a subject that is skipped as up to date was built with the locked packages;
 *   2. in the emerge phase, before the built-in emerge: `emerge --pretend` of the same command
 *      lines must merge exactly the locked packages, versions and USE (binpkgs: the locked build);
 *   3. in the package phase, before the commit: what emerge really merged is the locked set.
 */
import { STAGE_FIRST, type FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import { EMERGE_DATA, type EmergeRecord } from '../emerge/record.ts';
import type { RunPlan } from '../plan/types.ts';
import type { RunContext, SubjectBuild } from '../run/context.ts';
import { sourcesOfRun } from '../sources/resolve.ts';
import { LOCKED_SOURCES_DATA, type LockedSources } from '../sources/locked-data.ts';
import { LOCK_MISS_HINT } from '../sources/locked-repo.ts';
import { repoLabel, sourceDriftLine } from './drift.ts';
import { farmLockDrift } from './farm-drift.ts';
import { lockPathOf, readLock, type LockFile } from './format.ts';
import { checkPretend } from './pretend-check.ts';

/** run.data: the lock of a `--locked` run (the taps below do nothing without it). */
export const LOCK_DATA = 'binfarm:lockfile';
const LOCK_ENFORCED = 'binfarm:lockfile-enforced';
const TAP = { name: 'binfarm:lock', stage: STAGE_FIRST };
const tapped = new WeakSet<FarmContext>();

const ACCEPT = 'run without --locked, check the result, then `binfarm lock` and commit binfarm.lock';
const ACCEPT_HINT = `To accept the change instead: ${ACCEPT}.`;

/**
 * 0. before the plan: the lock's source identities go to the source resolution, which fetches the
 * stage3 and every repository by them (core/stage3/locked.ts, core/sources/locked-repo.ts).
 */
export async function pinLockedSources(farm: FarmContext, run: RunContext): Promise<void> {
  const file = lockPathOf(farm);
  const lock = await readLock(file);
  if (!lock) {
    throw new BinfarmError('E_LOCKFILE', `run --locked needs ${file}, which does not exist`, {
      hint: 'Write it with `binfarm lock` after a successful run (and commit it with the config), or run without --locked.',
    });
  }
  run.data.set(LOCK_DATA, { file, lock });
  const pins: LockedSources = { file, ...(lock.sources.stage3 ? { stage3: lock.sources.stage3 } : {}), repos: lock.sources.repos };
  run.data.set(LOCKED_SOURCES_DATA, pins);
}

export async function enforceLock(farm: FarmContext, run: RunContext, plan: RunPlan): Promise<void> {
  if (!lockOf(run)) await pinLockedSources(farm, run);
  const { file, lock } = lockOf(run)!;
  const sources = await sourcesOfRun(run);
  const unknown = [...(lock.sources.stage3 && !sources.stage3 ? ['the stage3'] : []), ...sources.repos.filter((r) => !r.digest).map((r) => r.name)];
  if (unknown.length) {
    throw new BinfarmError('E_LOCK_DRIFT', `run --locked: ${unknown.join(', ')} could not be resolved, so it cannot be checked against ${file}`, {
      hint: `The notes above say why (${sources.notes.join('; ') || 'no note'}). A plugin that provides a source itself cannot be used with --locked.`,
    });
  }
  const drift = (await farmLockDrift(farm, sources, lock))!;
  if (drift.sources.length) {
    const affected = drift.subjects.flatMap((s) => s.tree.map((t) => `${s.subject}: ${t}`));
    // Why a locked snapshot could not be had (core/sources/locked-repo.ts); else the config added or dropped a source.
    const misses = new Map(sources.repos.flatMap((r) => (r.lockMiss ? [[repoLabel(r.name), r.lockMiss] as const] : [])));
    const lines = drift.sources.map((d) => `${sourceDriftLine(d)}${misses.has(d.source) ? `\n    ${misses.get(d.source)}` : ''}`);
    throw new BinfarmError(
      misses.size ? 'E_LOCK_SOURCE' : 'E_LOCK_DRIFT',
      `run --locked: ${misses.size ? `the locked sources of ${file} cannot be obtained` : `the configured sources no longer match ${file}`}:\n  ${lines.join('\n  ')}` +
        (affected.length
          ? `\nlocked packages whose versions differ in the current tree:\n  ${affected.join('\n  ')}`
          : '\n(no locked package has other versions in the current tree: the change is elsewhere, e.g. in an ebuild, an eclass or the profiles)'),
      {
        hint: misses.size ? `Nothing was built. ${LOCK_MISS_HINT}` : `Nothing was built. Restore the sources of the config the lock was written with. ${ACCEPT_HINT}`,
        details: { file, sources: drift.sources, packages: affected, ...(misses.size ? { unobtainable: Object.fromEntries(misses) } : {}) },
      },
    );
  }
  const missing = plan.order.filter((p) => !lock.subjects[p.subject.name]).map((p) => p.subject.name);
  if (missing.length) {
    throw new BinfarmError('E_LOCK_DRIFT', `run --locked: ${file} does not lock subject(s) ${missing.join(', ')}`, {
      hint: `Lock them: run without --locked, then \`binfarm lock\`.`,
      details: { file, subjects: missing },
    });
  }
  const skipped = new Set(plan.order.filter((p) => p.action === 'skip').map((p) => p.subject.name));
  const differs = drift.subjects.filter((s) => skipped.has(s.subject) && s.packages.length);
  if (differs.length) {
    throw new BinfarmError(
      'E_LOCK_DRIFT',
      `run --locked: up-to-date subject(s) were built with other packages than ${file} holds:\n  ${differs.flatMap((s) => s.packages.map((p) => `${s.subject}: ${p}`)).join('\n  ')}`,
      { hint: `Their images do not match the lock. Check out the config the lock was written with, or ${ACCEPT}.`, details: { file } },
    );
  }
  for (const s of drift.removed) run.logger.warn(`${file} locks subject "${s}", which the config no longer defines (\`binfarm lock\` drops it)`);
  run.data.set(LOCK_ENFORCED, true);
  tapPhases(farm);
}

function lockOf(run: RunContext): { file: string; lock: LockFile } | undefined {
  return run.data.get(LOCK_DATA) as { file: string; lock: LockFile } | undefined;
}

/** The lock of a build in a `--locked` run whose sources and plan passed the checks above. */
function enforcedLockOf(build: SubjectBuild): { file: string; lock: LockFile } | undefined {
  return build.run.data.get(LOCK_ENFORCED) ? lockOf(build.run) : undefined;
}

/** Taps run before the built-in emerge and package taps; idle in runs without --locked. */
function tapPhases(farm: FarmContext): void {
  if (tapped.has(farm)) return;
  tapped.add(farm);
  farm.hooks.emerge.tapPromise(TAP, async (build) => {
    const locked = enforcedLockOf(build);
    if (locked) await checkPretend(farm, build, locked.lock.subjects[build.subject.name]!, locked.file);
    return undefined;
  });
  farm.hooks.package.tapPromise(TAP, async (build) => {
    const locked = enforcedLockOf(build);
    if (locked) checkMerged(build, locked.lock, locked.file);
    return undefined;
  });
}

/** 3: the cat/pf emerge merged for the subject are the locked ones (versions; USE was checked by the pretend). */
export function checkMerged(build: SubjectBuild, lock: LockFile, file: string): void {
  const record = build.data.get(EMERGE_DATA) as EmergeRecord | undefined;
  if (!record) return; // a plugin claimed emerge: its result is not Portage's to compare
  const locked = new Set(Object.keys(lock.subjects[build.subject.name]!.packages));
  const merged = new Set([...record.built, ...record.binary]);
  const extra = [...merged].filter((c) => !locked.has(c)).sort();
  const absent = [...locked].filter((c) => !merged.has(c)).sort();
  if (!extra.length && !absent.length) return;
  throw new BinfarmError(
    'E_LOCK_DRIFT',
    `run --locked: emerge merged other packages for subject "${build.subject.name}" than ${file} holds: ` +
      [...extra.map((c) => `${c} (not locked)`), ...absent.map((c) => `${c} (locked, not merged)`)].join(', '),
    { hint: `Nothing was committed. ${ACCEPT_HINT}`, details: { file, extra, absent } },
  );
}
