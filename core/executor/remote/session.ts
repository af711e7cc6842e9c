/**
 * What a remote-engine run shares between its subjects: binfarm's endpoint, which serves the
 * binhost read-only to the build containers on the engine (started on first use, closed with the
 * run). Only its binhost route is used: the binpkgs come back through the archive API, so no job
 * is registered and no upload token exists. One per RunContext.
 */
import type { RunContext } from '../../types.ts';
import { perRun, startRunEndpoint } from '../run-endpoint.ts';
import type { JobEndpoint } from '../swarm/job-endpoint.ts';

export const remoteEndpoint: (run: RunContext) => Promise<JobEndpoint> = perRun(async (run) => {
  const endpoint = await startRunEndpoint(run, run.options.swarm.listen!);
  run.logger.info(`remote engine ${(await run.engine()).host}: binhost served to it at ${endpoint.url}`);
  return endpoint;
});
