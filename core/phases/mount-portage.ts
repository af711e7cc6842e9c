/**
 * Phase 2 of a subject's walk (docs/internals/walk.md): mountPortage.
 *   core/tree/provide.ts          the tree and overlays as cached images or directories (core/tree/cache.ts)
 *   core/tree/sources/            where the tree comes from (dir, snapshot, image, git, squashfs)
 *   core/tree/mount/registry.ts   the mount strategies (squashfs, bind, volume, copy) and their hook
 */
import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';
import { resolveMountStrategies } from '../tree/mount/registry.ts';

/**
 * The built-in mountPortage phase: the tree and overlays become cached squashfs images (or
 * directories) and are made available read-only to every build container of the run, by the
 * mount strategy of `mount.strategy` (auto: squashfs, else bind for local directories, else
 * volume). Records `build.tree` (digest, mounts, repo locations). Strategies are pluggable:
 * `farm.hooks.mountStrategies` (core/tree/mount/registry.ts).
 */
export class MountPortagePlugin implements Plugin {
  readonly name = 'binfarm:mount-portage';

  apply(farm: FarmContext): void {
    farm.hooks.mountPortage.tapPromise(this.name, async (build) => {
      const { mountTrees } = await import('../tree/provide.ts');
      await mountTrees(build, resolveMountStrategies(farm));
      return undefined;
    });
  }
}
