/**
 * The lock drift of a farm from its sources as a command resolved them: reads `binfarm.lock`
 * (none: undefined) and every subject's state, and compares (drift.ts).
 */
import type { FarmContext } from '../types.ts';
import { readSubjectState, type SubjectState } from '../plan/state.ts';
import { resolveStateDir } from '../run/paths.ts';
import type { ResolvedSources } from '../sources/types.ts';
import { lockDrift, type LockDrift } from './drift.ts';
import { lockPathOf, readLock, type LockFile } from './format.ts';

export async function farmLockDrift(farm: FarmContext, sources: ResolvedSources, known?: LockFile): Promise<LockDrift | undefined> {
  const file = lockPathOf(farm);
  const lock = known ?? (await readLock(file));
  if (!lock) return undefined;
  const names = [...farm.subjects().keys()];
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const states = new Map<string, SubjectState | undefined>();
  await Promise.all(names.map(async (n) => states.set(n, await readSubjectState(stateDir, n))));
  return lockDrift({ file, lock, sources, subjects: names, states });
}
