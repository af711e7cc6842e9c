/**
 * Phase 4 of a subject's walk (docs/internals/walk.md): emerge. After it, the walk re-keys the
 * subject (core/run/walk.ts): what it emerged decides its tree slice and so its final key.
 *   core/executor/registry.ts      where emerge runs: the run's executor (local, remote or swarm)
 *   core/emerge/phase.ts           the local executor's phase
 *   core/emerge/emerge-subject.ts  the emerge in the build container (local and remote engines): base bootstrap, then the sets
 *   core/emerge/failure.ts         a failed or interrupted emerge: log tails, the attempt recorded
 *   core/executor/remote/          remote engines: binpkgs through binfarm's endpoint and the archive API (docs/scale-out.md)
 *   core/executor/swarm/           the swarm executor: the emerge as a job on a swarm node (docs/scale-out.md)
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
    // Where emerge runs is the run's executor's business (run.executor: local or swarm; core/executor/registry.ts).
    farm.hooks.emerge.tapPromise(this.name, async (build) => {
      const { executorOf } = await import('../executor/registry.ts');
      return (await executorOf(farm, build.run)).emerge(build, farm);
    });
  }
}
