/**
 * The fixed script a swarm job's container runs (job.sh beside this file; docs/scale-out.md#the-upload-path).
 * Nothing is interpolated into it: its inputs are environment variables, the token file and the
 * files of the job context (job-context.ts), so the service's command is always the same argv.
 */
import { readFileSync } from 'node:fs';

/** The script text (POSIX sh; BusyBox and a Gentoo stage3), read on first use: the bundle loads this module with every command. */
let script: string | undefined;
function jobScript(): string {
  script ??= readFileSync(new URL('./job.sh', import.meta.url), 'utf8');
  return script;
}

/** Where the job reads its token from: a swarm secret (BINFARM_JOB_TOKEN_FILE overrides it). */
export const JOB_TOKEN_FILE = '/run/secrets/binfarm-job-token';

/** Exit status when the job could not fetch its context, or emerge succeeded but an upload failed (EX_TEMPFAIL). */
export const JOB_EXIT_TRANSPORT = 75;
/** Exit status when the job's environment or context is incomplete (EX_CONFIG). */
export const JOB_EXIT_CONFIG = 78;
/** Exit status when a tree bound from the node (tree.nodePath) is not binfarm's snapshot (EX_DATAERR). */
export const JOB_EXIT_TREE = 65;

/** The job's last line when emerge and every upload succeeded (`say 'done'`), printed before it reports its end. */
export const JOB_DONE_LINE = /^binfarm-job: done$/;

/** The container command (a service's ContainerSpec.Command): the script as `sh -c`'s argument, never a built string. */
export function jobCommand(): string[] {
  return ['/bin/sh', '-c', jobScript(), 'binfarm-job'];
}

/** The job's environment: the endpoint's URL and the job id (the token is a file, never an environment variable). */
export function jobEnv(job: { url: string; jobId: string; pkgdir?: string }): Record<string, string> {
  return { BINFARM_JOB_URL: job.url, BINFARM_JOB_ID: job.jobId, ...(job.pkgdir ? { BINFARM_PKGDIR: job.pkgdir } : {}) };
}
