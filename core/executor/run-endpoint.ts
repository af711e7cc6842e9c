/**
 * binfarm's job endpoint for one run, shared by the executors that need it (swarm, remote): made
 * on first use, closed with the run's engine.
 */
import { binhostRoot } from '../binhost/partition.ts';
import type { RunContext } from '../types.ts';
import { startJobEndpoint, type JobEndpoint } from './swarm/job-endpoint.ts';

/** One value per run, made on first use; a failed attempt is not kept (the next caller tries again). */
export function perRun<T>(open: (run: RunContext) => Promise<T>): (run: RunContext) => Promise<T> {
  const made = new WeakMap<RunContext, Promise<T>>();
  return (run) => {
    let s = made.get(run);
    if (!s) {
      s = open(run);
      made.set(run, s);
      s.catch(() => made.delete(run));
    }
    return s;
  };
}

/** Starts the endpoint on `listen` (`host:port`; port 0 or none: a free port), `swarm.url` as its public URL when set. */
export async function startRunEndpoint(run: RunContext, listen: string): Promise<JobEndpoint> {
  const o = run.options;
  const engine = await run.engine();
  const [host, port] = listen.split(':');
  const endpoint = await startJobEndpoint({
    listen: { host: host!, port: port ? Number(port) : 0 },
    ...(o.swarm.url ? { publicUrl: o.swarm.url } : {}),
    binhostRoot: binhostRoot(o, run.stateDir),
    stateDir: run.stateDir,
    logger: run.logger,
  });
  engine.onCleanup(() => endpoint.close());
  return endpoint;
}
