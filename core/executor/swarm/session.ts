/**
 * What a swarm run shares between its subjects: the manager's dockerode client and swarm facts,
 * binfarm's job endpoint (started on first use, closed with the run), and what was already made
 * available to the nodes this run (tree volumes filled). One per RunContext.
 */
import type Docker from 'dockerode';
import { BinfarmError } from '../../errors.ts';
import type { Engine } from '../../engine/types.ts';
import { dockerodeOf } from '../../engine/dockerode-of.ts';
import { binhostRoot } from '../../binhost/partition.ts';
import type { RunContext } from '../../types.ts';
import { managerInfo, type ManagerInfo } from './availability.ts';
import { startJobEndpoint, type JobEndpoint } from './job-endpoint.ts';

export interface SwarmSession {
  readonly run: RunContext;
  readonly engine: Engine;
  readonly docker: Docker;
  readonly manager: ManagerInfo;
  readonly endpoint: JobEndpoint;
  /** Tree digest → the volume filled on every node this run. */
  readonly trees: Map<string, Promise<string>>;
}

const sessions = new WeakMap<RunContext, Promise<SwarmSession>>();

export function swarmSession(run: RunContext): Promise<SwarmSession> {
  let s = sessions.get(run);
  if (!s) {
    s = open(run);
    sessions.set(run, s);
    s.catch(() => sessions.delete(run));
  }
  return s;
}

async function open(run: RunContext): Promise<SwarmSession> {
  const engine = await run.engine();
  const docker = await dockerodeOf(engine, 'the swarm executor');
  const manager = await managerInfo(run);
  if (!manager) throw new BinfarmError('E_EXECUTOR', `the engine at ${engine.host} is no longer a swarm manager`);
  const o = run.options;
  const [host, port] = (o.swarm.listen ?? manager.nodeAddr).split(':');
  const endpoint = await startJobEndpoint({
    listen: { host: host!, port: port ? Number(port) : 0 },
    ...(o.swarm.url ? { publicUrl: o.swarm.url } : {}),
    binhostRoot: binhostRoot(o, run.stateDir),
    stateDir: run.stateDir,
    logger: run.logger,
  });
  engine.onCleanup(() => endpoint.close());
  run.logger.info(`swarm: manager ${manager.nodeAddr}, job endpoint ${endpoint.url}`);
  return { run, engine, docker, manager, endpoint, trees: new Map() };
}
