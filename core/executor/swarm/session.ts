/**
 * What a swarm run shares between its subjects: the manager's dockerode client and swarm facts,
 * binfarm's job endpoint (started on first use, closed with the run), and what was already made
 * available to the nodes this run (tree volumes filled). One per RunContext.
 */
import type Docker from 'dockerode';
import { BinfarmError } from '../../errors.ts';
import type { Engine } from '../../engine/types.ts';
import { dockerodeOf } from '../../engine/dockerode-of.ts';
import type { RunContext } from '../../types.ts';
import { managerInfo, type ManagerInfo } from './availability.ts';
import type { JobEndpoint } from './job-endpoint.ts';
import { perRun, startRunEndpoint } from '../run-endpoint.ts';

export interface SwarmSession {
  readonly run: RunContext;
  readonly engine: Engine;
  readonly docker: Docker;
  readonly manager: ManagerInfo;
  readonly endpoint: JobEndpoint;
  /** Tree digest → the volume filled on every node this run. */
  readonly trees: Map<string, Promise<string>>;
}

export const swarmSession: (run: RunContext) => Promise<SwarmSession> = perRun(open);

async function open(run: RunContext): Promise<SwarmSession> {
  const engine = await run.engine();
  const docker = await dockerodeOf(engine, 'the swarm executor');
  const manager = await managerInfo(run);
  if (!manager) throw new BinfarmError('E_EXECUTOR', `the engine at ${engine.host} is no longer a swarm manager`);
  const endpoint = await startRunEndpoint(run, run.options.swarm.listen ?? manager.nodeAddr);
  run.logger.info(`swarm: manager ${manager.nodeAddr}, job endpoint ${endpoint.url}`);
  return { run, engine, docker, manager, endpoint, trees: new Map() };
}
