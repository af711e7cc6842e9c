/**
 * What the operation files of the Docker adapter (image-ops.ts, container-ops.ts, volume-ops.ts,
 * run-cleanup.ts) share: the connection, the run's labels and the containers not yet removed.
 * DockerEngine (docker-engine.ts) holds one and hands it to each operation.
 */
import type Docker from 'dockerode';
import type { Logger } from '../log/logger.ts';
import type { EngineApi } from './engine-api.ts';
import { translateDockerError } from './errors.ts';
import { runLabels } from './labels.ts';

export interface DockerSession {
  /** The engine's queries (engine-api.ts): no dockerode needed. */
  readonly api: EngineApi;
  /** dockerode, loaded on first use (memoised by createEngine). */
  dockerode(): Promise<Docker>;
  readonly runId: string;
  /** How the engine is reached, for error messages. */
  readonly host: string;
  readonly logger: Logger;
  /** The run's signal: streaming calls stop when it aborts. */
  readonly signal: AbortSignal | undefined;
  /** Environment for registry credentials (DOCKER_CONFIG and the like). */
  readonly env: NodeJS.ProcessEnv | undefined;
  /** Containers created and not removed yet: cleanup removes them even if the label query misses one. */
  readonly live: Set<string>;
  /** `extra` plus the labels that mark a resource as this run's (labels.ts). */
  labels(extra?: Record<string, string>): Record<string, string>;
  /** Throws the Docker error as a BinfarmError naming the action, reference and host (errors.ts). */
  fail(e: unknown, action: string, ref?: string): never;
}

export function dockerSession(init: {
  api: EngineApi;
  dockerode: () => Promise<Docker>;
  runId: string;
  host: string;
  logger: Logger;
  signal: AbortSignal | undefined;
  env: NodeJS.ProcessEnv | undefined;
  stateDir: string | undefined;
}): DockerSession {
  const { stateDir, ...rest } = init;
  return {
    ...rest,
    live: new Set<string>(),
    labels: (extra) => ({ ...extra, ...runLabels({ runId: init.runId, stateDir }) }),
    fail: (e, action, ref) => {
      throw translateDockerError(e, { action, ref, host: init.host });
    },
  };
}
