/**
 * Phase 3 of a subject's walk (docs/internals/walk.md): applyPatches.
 *   core/portage/apply/phase.ts       the phase: the subject's Portage model rendered and applied into the build container
 *   core/portage/apply/plan.ts        file operations chosen per file by the patch strategies (core/portage/strategy.ts)
 *   core/portage/apply/execute.ts     those operations carried out through the Engine API
 *   core/portage/apply/overlays.ts    the subject's root overlays and build context
 *   core/build/build-container.ts     the build container the phase writes into
 */
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
