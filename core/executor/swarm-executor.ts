/**
 * The swarm executor: a subject's emerge runs as a replicated job on a Docker Swarm node, with no
 * host bind mount and no Docker socket; the binpkgs come back through binfarm's job endpoint and
 * are verified before they enter the partition; the subject image is then made here from the
 * parent and those binpkgs (docs/scale-out.md). This module stays light: the implementation is
 * imported when a subject's emerge runs.
 */
import type { Executor } from '../types.ts';

export const swarmExecutor: Executor = Object.freeze<Executor>({
  name: 'swarm',
  async unavailable(run) {
    return (await import('./swarm/availability.ts')).swarmUnavailable(run);
  },
  async emerge(build, farm) {
    return (await import('./swarm/emerge.ts')).swarmEmerge(build, farm);
  },
  async preparations(run) {
    return (await import('./swarm/availability.ts')).jobNodes(run);
  },
});
