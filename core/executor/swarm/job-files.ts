/**
 * The files a job's context adds over its image (job-context.ts packs them with the argv): what
 * differs between the job and the build container it was committed from.
 *   etc/portage/binrepos.conf/zz-binfarm-swarm.conf   the partition through binfarm's endpoint (getbinpkg);
 *                                                     last in Portage's order, highest priority
 *   etc/portage/gnupg/...                             the farm's public keyring (binhost.signing): a bind
 *                                                     mount in the build container, so not in the commit
 *   binfarm-job/binhost                               the same binhost URL for job.sh, which sends back
 *                                                     no binpkg the binhost already has (one it downloaded)
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveSigning } from '../../signing/config.ts';
import { preparePortageKeyring } from '../../signing/portage-keyring.ts';
import type { SubjectBuild } from '../../types.ts';
import { jobBinreposConf, type ContextFile } from './job-context.ts';

export const SWARM_BINREPO = 'etc/portage/binrepos.conf/zz-binfarm-swarm.conf';
/** The partition's URL for job.sh (one line). */
export const JOB_BINHOST_PATH = 'binfarm-job/binhost';

export async function jobContextFiles(build: SubjectBuild, binhostUrl: string): Promise<ContextFile[]> {
  const { run } = build;
  const signing = run.options.binhost.signing;
  const files: ContextFile[] = [
    { path: SWARM_BINREPO, content: jobBinreposConf(binhostUrl, { verifySignature: !!signing }) },
    { path: JOB_BINHOST_PATH, content: `${binhostUrl}\n` },
  ];
  if (signing) {
    const keyring = await preparePortageKeyring(run.stateDir, await resolveSigning(signing, run.rootDir, { secret: false }));
    for (const name of (await readdir(keyring)).sort()) {
      const path = join(keyring, name);
      if ((await stat(path)).isFile()) files.push({ path: `etc/portage/gnupg/${name}`, content: await readFile(path) });
    }
  }
  return files;
}
