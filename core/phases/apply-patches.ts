import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';

/**
 * The built-in applyPatches phase: renders the subject's /etc/portage (config, subject, plugins,
 * hooks), applies it to the build container file by file with the chosen patch strategies,
 * and copies the subject's root overlays in. A plugin tapping applyPatches earlier may claim it.
 */
export class ApplyPatchesPlugin implements Plugin {
  readonly name = 'binfarm:apply-patches';

  apply(farm: FarmContext): void {
    farm.hooks.applyPatches.tapPromise(this.name, async (build) => {
      const { applyPatchesToBuild } = await import('../portage/apply/phase.ts');
      await applyPatchesToBuild(farm, build);
      return undefined;
    });
  }
}
