/**
 * `bind`: a host directory bound read-only — a directory source as it is, any other source unpacked
 * once into the cache. Needs an engine on this machine. `auto` picks it only when every repository
 * is a local directory (and squashfs is not possible): nothing to copy, nothing to mount.
 * A bound source directory is live: edits during the run are visible to the build.
 */
import type { MountSpec } from '../../engine/types.ts';
import type { MountStrategy, RepoMount, StrategyContext } from './types.ts';

export const bindStrategy: MountStrategy = {
  name: 'bind',
  autoPriority: 20,
  needs: () => ({ sqfs: false, dir: true }),

  async unavailable(ctx: StrategyContext) {
    if (!ctx.engine.local) return `the Docker engine at ${ctx.engine.host} is remote and cannot see directories on this machine`;
    if (ctx.auto && ctx.sources.some((s) => s.type !== 'dir')) return 'not every repository is a local directory';
    return undefined;
  },

  async provision(repo: RepoMount): Promise<MountSpec> {
    return { type: 'bind', source: repo.artifact.dir!, target: repo.target, readOnly: true };
  },
};
