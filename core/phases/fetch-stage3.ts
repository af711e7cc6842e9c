import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';

/**
 * The built-in fetchStage3 phase: resolves the subject's base image (the stage3 for the base
 * subject, the parent's image otherwise) into `build.baseImage` and `build.stage3Digest`.
 * A user plugin tapping fetchStage3 earlier may claim the phase and set those fields itself.
 */
export class FetchStage3Plugin implements Plugin {
  readonly name = 'binfarm:fetch-stage3';

  apply(farm: FarmContext): void {
    farm.hooks.fetchStage3.tapPromise(this.name, async (build) => {
      const { resolveBaseImage } = await import('../stage3/resolve.ts');
      await resolveBaseImage(build);
      return undefined;
    });
  }
}
