/**
 * A finished job's uploads, taken in: its binpkgs verified against its own index and their
 * Manifests and moved into the partition (incoming.ts; nothing moves when anything is wrong), its
 * failed packages' logs moved to the run's log directory of the subject, where a local build's
 * logs are, and the incoming area removed. Also after a failed emerge: the binpkgs that did build
 * are kept for the next run, as the local executor keeps them.
 *
 * The moved binpkgs' entries — checked against the files just now — are added to the partition's
 * index, so that the `--usepkgonly` emerge that makes the subject image sees them (Portage trusts
 * the index, pkgdir-index-trusted); the package phase then regenerates the whole index with
 * `emaint binhost --fix`, as after a local build — or takes a regeneration that began after this
 * receive (core/binhost/index-regeneration.ts). One partition takes one job's uploads at a time.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePackagesIndex, serializePackagesIndex, type PackagesIndex } from '../../binhost/packages-index.ts';
import { writeFileAtomic } from '../../util/fs.ts';
import { partitionExclusive } from '../../binhost/partition-exclusive.ts';
import { BINPKGS_IN_PLACE, markBinpkgsInPlace } from '../../binhost/index-regeneration.ts';
import type { SubjectBuild } from '../../types.ts';
import { acceptJobUploads, collectJobLogs, discardJobUploads } from './incoming.ts';

export function receiveJobUploads(build: SubjectBuild, incomingDir: string, partition: string, logDir: string): Promise<string[]> {
  // One receive into a partition at a time, and never during another subject's index check (binfarm is the binhost's only writer).
  return partitionExclusive(partition, async () => {
    const logs = await collectJobLogs(incomingDir, logDir);
    if (logs.length) build.logger.info(`the job's build logs: ${logs.map((l) => `${logDir}/${l}`).join(', ')}`);
    const accepted = await acceptJobUploads({ incomingDir, partitionDir: partition, logger: build.logger });
    if (accepted.moved.length) await indexMoved(incomingDir, partition, accepted.moved);
    // The subject's binpkgs are all in place now: a regeneration of the index that begins later covers them.
    build.data.set(BINPKGS_IN_PLACE, markBinpkgsInPlace(partition));
    await discardJobUploads(incomingDir);
    return accepted.moved;
  });
}

async function indexMoved(incomingDir: string, partition: string, moved: string[]): Promise<void> {
  const job = parsePackagesIndex(await readFile(join(incomingDir, 'Packages'), 'utf8'));
  const file = join(partition, 'Packages');
  const current: PackagesIndex = await readFile(file, 'utf8').then(
    (t) => parsePackagesIndex(t),
    () => ({ header: job.header, packages: [] }),
  );
  const paths = new Set(moved);
  const known = new Set(current.packages.map((p) => p.PATH));
  for (const entry of job.packages) if (entry.PATH && paths.has(entry.PATH) && !known.has(entry.PATH)) current.packages.push(entry);
  await writeFileAtomic(file, serializePackagesIndex(current, { touch: Date.now() / 1000 }));
}
