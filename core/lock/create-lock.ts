/**
 * `binfarm lock`: the lock of the farm's last successful builds. Every subject must be built and
 * up to date (the plan skips it): a lock of builds the config no longer makes would pin nothing
 * reproducible. Sources are those the plan resolved, so the lock and the builds agree on them.
 */
import type { FarmContext } from '../types.ts';
import type { Engine } from '../engine/types.ts';
import { BinfarmError } from '../errors.ts';
import { UNKNOWN } from '../plan/key.ts';
import { planRun } from '../plan/plan.ts';
import { readSubjectState } from '../plan/state.ts';
import { resolveCacheDir, resolveStateDir } from '../run/paths.ts';
import { repoDigestsOf } from '../sources/repo-record.ts';
import { resolveSources } from '../sources/resolve.ts';
import { repoLabel } from './drift.ts';
import { LOCK_VERSION, type LockFile, type LockedSubject } from './format.ts';
import { PartitionIndexes, statePackages } from './state-packages.ts';

export interface CreatedLock {
  lock: LockFile;
  /** What could not be locked (packages without a binpkg, sources unknown offline). */
  warnings: string[];
}

export async function createLock(farm: FarmContext, opts: { engine?: () => Promise<Engine> } = {}): Promise<CreatedLock> {
  const names = [...farm.subjects().keys()];
  const sources = await resolveSources({
    options: farm.options,
    rootDir: farm.rootDir,
    cacheDir: resolveCacheDir(farm.options, farm.rootDir),
    engine: opts.engine,
  });
  const plan = await planRun(farm, names, { sources, ...(opts.engine ? { engine: opts.engine } : { offline: true }) });
  const stale = plan.order.filter((p) => p.action === 'build');
  if (stale.length) {
    const why = stale.map((p) => `${p.subject.name} (${p.reasons.map((r) => `${r.input}: ${r.change}`).join('; ') || 'stale'})`);
    throw new BinfarmError('E_LOCK_DRIFT', `cannot lock: ${stale.length} subject(s) are not built or not up to date: ${why.join(', ')}`, {
      hint: 'A lock records the last successful builds; run `binfarm run` first, then `binfarm lock`.',
      details: { stale: stale.map((p) => p.subject.name) },
    });
  }
  const warnings = [...sources.notes];
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const partitions = new PartitionIndexes();
  const subjects: Record<string, LockedSubject> = {};
  let recordedStage3: string | undefined;
  for (const p of plan.order) {
    const name = p.subject.name;
    const state = await readSubjectState(stateDir, name);
    if (!state) {
      throw new BinfarmError('E_LOCK_DRIFT', `cannot lock subject "${name}": it is up to date but its state file is missing`, {
        hint: `Rebuild it (\`binfarm clean\` of its image, then \`binfarm run ${name}\`) so its packages are recorded.`,
      });
    }
    const { packages, unlocked } = await statePackages(state, partitions);
    for (const cpv of unlocked) warnings.push(`${name}: ${cpv} has no binpkg in ${state.partition.dir}: not locked`);
    const stage3 = state.inputs.stage3 && state.inputs.stage3 !== UNKNOWN ? state.inputs.stage3 : undefined;
    recordedStage3 ??= stage3;
    const tree = state.treeSlice?.treeDigest ?? (state.inputs.tree && state.inputs.tree !== UNKNOWN ? state.inputs.tree : undefined);
    subjects[name] = { parent: p.subject.parent, key: state.key, ...(stage3 ? { stage3 } : {}), ...(tree ? { tree } : {}), packages };
  }
  // A remote tree or overlay is unknown without network: its identity is the one the builds were made
  // from — the combined identity they recorded, alone, or its parts as the run noted them (core/sources/repo-record.ts).
  const recordedTree = Object.values(subjects).find((s) => s.tree)?.tree;
  const repoNames = sources.repos.map((r) => r.name);
  const parts = !recordedTree
    ? undefined
    : repoNames.length === 1
      ? { [repoNames[0]!]: recordedTree }
      : await repoDigestsOf(stateDir, recordedTree, repoNames);
  const repos = Object.fromEntries(sources.repos.flatMap((r) => ((r.digest ?? parts?.[r.name]) ? [[r.name, r.digest ?? parts![r.name]!]] : [])));
  for (const r of sources.repos) if (!repos[r.name]) warnings.push(`${repoLabel(r.name)}: unknown until fetched, not locked (\`run --locked\` will refuse it)`);
  const stage3 = sources.stage3 ?? recordedStage3;
  return { lock: { lockVersion: LOCK_VERSION, sources: { ...(stage3 ? { stage3 } : {}), repos }, subjects }, warnings };
}
