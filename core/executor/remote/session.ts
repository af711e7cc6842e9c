/**
 * What a remote-engine run shares between its subjects: binfarm's endpoint, which serves the
 * binhost read-only to the build containers on the engine (started on first use, closed with the
 * run). Only its binhost route is used: the binpkgs come back through the archive API, so no job
 * is registered and no upload token exists. One per RunContext.
 */
import { binhostRoot } from '../../binhost/partition.ts';
import type { RunContext } from '../../types.ts';
import { startJobEndpoint, type JobEndpoint } from '../swarm/job-endpoint.ts';

const sessions = new WeakMap<RunContext, Promise<JobEndpoint>>();

export function remoteEndpoint(run: RunContext): Promise<JobEndpoint> {
  let s = sessions.get(run);
  if (!s) {
    s = open(run);
    sessions.set(run, s);
    s.catch(() => sessions.delete(run));
  }
  return s;
}

async function open(run: RunContext): Promise<JobEndpoint> {
  const o = run.options;
  const engine = await run.engine();
  const [host, port] = o.swarm.listen!.split(':');
  const endpoint = await startJobEndpoint({
    listen: { host: host!, port: port ? Number(port) : 0 },
    ...(o.swarm.url ? { publicUrl: o.swarm.url } : {}),
    binhostRoot: binhostRoot(o, run.stateDir),
    stateDir: run.stateDir,
    logger: run.logger,
  });
  engine.onCleanup(() => endpoint.close());
  run.logger.info(`remote engine ${engine.host}: binhost served to it at ${endpoint.url}`);
  return endpoint;
}
