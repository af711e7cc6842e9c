/**
 * Phase 4 of a subject's walk (docs/internals/walk.md): emerge. After it, the walk re-keys the
 * subject (core/run/walk.ts): what it emerged decides its tree slice and so its final key.
 *   core/emerge/phase.ts           the phase: base bootstrap, then `emerge` of the subject's sets
 *   core/emerge/argv.ts            emerge's argv and environment
 *   core/emerge/bootstrap.ts       the base's profile check and build user
 *   core/emerge/run-emerge.ts      one emerge run in the build container; parse-output.ts reads it
 *   core/emerge/binpkg-reuse.ts    which binpkgs of the partition emerge may reuse
 *   core/emerge/log-tail.ts        the lines of a failed package's log shown with the error
 *   core/build/build-container.ts  the build container (started once per build)
 * This module stays light (options-apply.ts applies it for every command): the tap imports the
 * implementation when the phase runs.
 */
import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';

export class EmergePlugin implements Plugin {
  readonly name = 'binfarm:emerge';

  apply(farm: FarmContext): void {
    farm.hooks.emerge.tapPromise(this.name, async (build) => (await import('../emerge/phase.ts')).emergePhase(farm, build));
  }
}
