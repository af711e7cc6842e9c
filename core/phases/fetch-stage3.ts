/**
 * Phase 1 of a subject's walk (docs/internals/walk.md): fetchStage3.
 *   core/stage3/resolve.ts   the base image: the stage3 (image or tarball, core/stage3/tarball.ts) for
 *                            the base subject, the parent's image for the others
 */
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
