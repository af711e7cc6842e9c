/**
 * The local executor: emerge runs in the subject's build container on this machine's engine, with
 * the binhost partition, distfiles and logs bound from this host (core/emerge/phase.ts).
 */
import type { Executor } from '../types.ts';

export const localExecutor: Executor = Object.freeze<Executor>({
  name: 'local',
  async emerge(build, farm) {
    return (await import('../emerge/phase.ts')).emergePhase(farm, build);
  },
});
