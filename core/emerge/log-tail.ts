/**
 * The tail of a failed package's build log. Portage prints the log's path inside the container
 * (`/var/log/portage/cat:pf:<ts>.log`, docs/internals/gentoo.md#build-logs); PORTAGE_LOGDIR is bound to the run
 * directory, so the same file is read from the host.
 */
import { open } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** Host path of a container log path under `containerLogDir`, or undefined when it lies elsewhere. */
export function hostLogPath(containerPath: string, containerLogDir: string, hostLogDir: string): string | undefined {
  const rel = posix.relative(containerLogDir, posix.normalize(containerPath));
  if (!rel || rel.startsWith('..') || posix.isAbsolute(rel)) return undefined;
  return join(hostLogDir, ...rel.split('/'));
}

/** The last `lines` lines of a file (reads at most the last 64 KiB). */
export async function tailFile(path: string, lines = 30): Promise<string[] | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const all = buf.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines);
  } finally {
    await fh.close();
  }
}
