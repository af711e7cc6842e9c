/**
 * A finished job's uploads, taken in: its binpkgs verified against its own index and their
 * Manifests and moved into the partition (incoming.ts; nothing moves when anything is wrong), its
 * failed packages' logs moved to the run's log directory of the subject, where a local build's
 * logs are, and the incoming area removed. Also after a failed emerge: the binpkgs that did build
 * are kept for the next run, as the local executor keeps them.
 */
import type { SubjectBuild } from '../../types.ts';
import { acceptJobUploads, collectJobLogs, discardJobUploads } from './incoming.ts';

export async function receiveJobUploads(build: SubjectBuild, incomingDir: string, partition: string, logDir: string): Promise<string[]> {
  const logs = await collectJobLogs(incomingDir, logDir);
  if (logs.length) build.logger.info(`the job's build logs: ${logs.map((l) => `${logDir}/${l}`).join(', ')}`);
  const accepted = await acceptJobUploads({ incomingDir, partitionDir: partition, logger: build.logger });
  await discardJobUploads(incomingDir);
  return accepted.moved;
}
