/**
 * The job context: the tar a swarm job downloads from the job endpoint and unpacks over `/`
 * (job.sh). It carries the job's /etc/portage (make.conf, binrepos.conf pointing at the
 * endpoint's /binhost/<partition>, …) and `/binfarm-job/argv`, the emerge arguments, one per line.
 * Paths are relative to `/`; tar creates the parent directories.
 */
import { once } from 'node:events';
import tarStream from 'tar-stream';
import { BinfarmError } from '../../errors.ts';

/** Where the script reads emerge's arguments (one per line, taken literally). */
export const JOB_ARGV_PATH = 'binfarm-job/argv';

export interface ContextFile {
  /** Path below `/`, e.g. `etc/portage/binrepos.conf/binfarm.conf`. */
  path: string;
  content: Buffer | string;
  mode?: number;
}

function checkPath(path: string): string {
  const p = path.replace(/^\/+/, '');
  if (!p || p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new BinfarmError('E_INTERNAL', `job context path "${path}" is not a plain path below /`);
  }
  return p;
}

export async function makeJobContext(job: { argv: string[]; files?: ContextFile[] }): Promise<Buffer> {
  const bad = job.argv.find((a) => /[\n\r\0]/.test(a));
  if (bad !== undefined) {
    throw new BinfarmError('E_INTERNAL', `emerge argument ${JSON.stringify(bad)} holds a line break or NUL; the job's argv file has one argument per line`);
  }
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = once(pack, 'end');
  const mtime = new Date();
  const entry = (name: string, content: Buffer | string, mode = 0o644) =>
    pack.entry({ name, mode, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' }, typeof content === 'string' ? Buffer.from(content) : content);
  for (const f of job.files ?? []) entry(checkPath(f.path), f.content, f.mode);
  entry(JOB_ARGV_PATH, job.argv.map((a) => `${a}\n`).join(''));
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A binrepos.conf section for the job's binhost (getbinpkg over HTTP; docs/internals/gentoo.md#binrepos-conf). */
export function jobBinreposConf(syncUri: string, opts: { name?: string; verifySignature?: boolean } = {}): string {
  return `[${opts.name ?? 'binfarm'}]\npriority = 9999\nsync-uri = ${syncUri}\nverify-signature = ${opts.verifySignature ? 'true' : 'false'}\n`;
}
