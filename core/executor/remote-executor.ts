/**
 * The remote executor: builds on one Docker engine that is not on this machine (`docker.host`
 * tcp:// or ssh://), with no host bind mount. emerge runs in the subject's build container on
 * that engine, as locally; the binhost reaches it over HTTP (`--getbinpkg` from binfarm's
 * endpoint) and the binpkgs it built come back through the archive API, verified before they
 * enter the partition (docs/scale-out.md#remote-single-engines). The run picks it by itself when
 * the engine is remote and run.executor is `local` (core/executor/registry.ts). Light: the
 * implementation is imported when a subject's emerge runs.
 */
import type { Executor } from '../types.ts';

export const remoteExecutor: Executor = Object.freeze<Executor>({
  name: 'remote',
  async unavailable(run) {
    return (await import('./remote/availability.ts')).remoteUnavailable(run);
  },
  async emerge(build, farm) {
    return (await import('./remote/emerge.ts')).remoteEmerge(build, farm);
  },
});
