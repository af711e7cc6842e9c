/** `plan`: the sources resolved without network (as planRun resolves them) and the lock drift under them. */
import type { FarmContext } from '../types.ts';
import type { Engine } from '../engine/types.ts';
import { resolveCacheDir } from '../run/paths.ts';
import { resolveSources } from '../sources/resolve.ts';
import type { ResolvedSources } from '../sources/types.ts';
import type { LockDrift } from './drift.ts';
import { farmLockDrift } from './farm-drift.ts';

export async function planSourcesAndDrift(
  farm: FarmContext,
  engine: (() => Promise<Engine>) | undefined,
): Promise<{ sources: ResolvedSources; drift?: LockDrift }> {
  const sources = await resolveSources({ options: farm.options, rootDir: farm.rootDir, cacheDir: resolveCacheDir(farm.options, farm.rootDir), engine });
  const drift = await farmLockDrift(farm, sources);
  return { sources, ...(drift ? { drift } : {}) };
}
