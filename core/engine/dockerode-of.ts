import type Docker from 'dockerode';
import { BinfarmError } from '../errors.ts';
import type { Engine } from './types.ts';

/**
 * The dockerode client behind an Engine (core/engine/docker-engine.ts loads it on first use), for
 * the calls the Engine interface does not cover: interactive exec, swarm services.
 */
export async function dockerodeOf(engine: Engine, what: string): Promise<Docker> {
  const docker = await (engine as { dockerode?: () => Promise<Docker> }).dockerode?.();
  if (!docker) throw new BinfarmError('E_INTERNAL', `${what} needs the Docker engine (core/engine/docker-engine.ts)`);
  return docker;
}
