/**
 * The remote executor's emerge phase (docs/scale-out.md#remote-single-engines). The build container
 * runs on the remote engine with volumes where a local one has binds (core/build/no-bind-mounts.ts):
 *  1. a binrepos.conf that points at binfarm's endpoint goes in through the archive API, so
 *     emerge reuses the partition's binpkgs with `--getbinpkg` (stale ones excluded as locally);
 *  2. emerge runs in the build container with the local executor's steps (core/emerge/emerge-subject.ts);
 *  3. PKGDIR and the build logs come out through the archive API into an incoming area, are
 *     verified as a swarm job's uploads are and moved into the partition, the logs into the run
 *     directory — also after a failed emerge, as locally;
 *  4. the binrepos.conf is removed again, and the package phase commits the build container:
 *     the image is made where emerge ran, with no second install step.
 */
import { relative, sep } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { FarmContext, SubjectBuild } from '../../types.ts';
import { binhostRoot } from '../../binhost/partition.ts';
import { emergeSubject, emergeSummary } from '../../emerge/emerge-subject.ts';
import { CONTAINER_LOGDIR, ensureBuildContainer, ensurePartition, hostLogDir } from '../../build/build-container.ts';
import { tarOf } from '../../portage/apply/execute.ts';
import { jobBinreposConf } from '../swarm/job-context.ts';
import { discardJobUploads } from '../swarm/incoming.ts';
import { receiveJobUploads } from '../swarm/receive.ts';
import { remoteEndpoint } from './session.ts';
import { takeOut } from './take-out.ts';
import { ensurePartitionIndex } from './partition-index.ts';

/** The binhost of binfarm's endpoint, last in Portage's order (highest priority); removed before the commit. */
export const REMOTE_BINREPO = 'etc/portage/binrepos.conf/zz-binfarm-remote.conf';

export async function remoteEmerge(build: SubjectBuild, farm: FarmContext): Promise<string> {
  const { run, subject } = build;
  const o = run.options;
  const endpoint = await remoteEndpoint(run);
  const container = await ensureBuildContainer(build);
  const partition = await ensurePartition(build);
  const partitionRel = relative(binhostRoot(o, run.stateDir), partition).split(sep).join('/');
  const incoming = `${run.stateDir}/incoming/${run.runId}-${subject.name}`;

  // The partition over HTTP, through the archive API as /etc/portage itself went in (core/portage/apply/execute.ts).
  await container.putArchive(await tarOf([{ op: 'write', path: REMOTE_BINREPO, content: jobBinreposConf(endpoint.binhostUrl(partitionRel)) }]), '/');

  /** Takes PKGDIR and the logs out and lets the verified binpkgs into the partition. */
  const receive = async (): Promise<void> => {
    try {
      const binpkgs = await takeOut(container, o.portage.pkgdir, incoming);
      await takeOut(container, CONTAINER_LOGDIR, incoming, 'logs/');
      const moved = await receiveJobUploads(build, incoming, partition, hostLogDir(build));
      build.progress.output(
        `received ${moved.length} of ${binpkgs.filter((p) => p.endsWith('.gpkg.tar')).length} binpkgs from ${o.portage.pkgdir} (verified, moved into ${partitionRel})`,
      );
    } finally {
      await discardJobUploads(incoming).catch(() => undefined);
    }
  };

  // --getbinpkg also in the stale-binpkg check: the partition's binpkgs are seen through the endpoint only.
  const record = await emergeSubject(farm, build, container, partition, { extraArgv: ['--getbinpkg'], afterInvocation: receive });
  await ensurePartitionIndex(container, o.portage.pkgdir, partition);
  // Not part of the image: the endpoint is this run's.
  const rm = await container.exec(['rm', '-f', `/${REMOTE_BINREPO}`]);
  if (rm.exitCode !== 0)
    throw new BinfarmError('E_DOCKER', `could not remove /${REMOTE_BINREPO} from the build container of "${subject.name}": ${rm.stderr.trim()}`);
  return emergeSummary(build, record, ` on ${(await run.engine()).host}`);
}
