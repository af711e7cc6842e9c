/**
 * What to show of a failed package's build log. Portage prints the log's path inside the container
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

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

/**
 * Lines that usually say why a build failed: a compiler or make error, Portage's `!!!` and
 * ` * ERROR:` lines, a failed download. The last lines of a log are often only the traceback
 * or the die banner that follows them.
 */
const EXPLAINS = /(?:^|\s)(?:error|fatal error):|^make(?:\[\d+\])?: \*\*\*|^!!! |^ \* ERROR: |Couldn't download|^>>> Downloading /i;

/**
 * What to show of a failed package's log: the first explaining line with a little context,
 * then the last lines; colour codes stripped. Reads at most the last 4 MiB.
 */
export async function explainLog(path: string, maxLines = 30): Promise<string[] | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  let all: string[];
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, 4 * 1024 * 1024);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    all = buf.toString('utf8').replace(ANSI, '').replace(/\r/g, '').split('\n');
    if (all.at(-1) === '') all.pop();
  } finally {
    await fh.close();
  }
  const tailCount = Math.ceil(maxLines / 2);
  const first = all.findIndex((l) => EXPLAINS.test(l));
  if (first < 0 || first >= all.length - tailCount) return all.slice(-maxLines);
  const from = Math.max(0, first - 3);
  // One line of the budget goes to the "[… n lines …]" marker between the two parts.
  const head = all.slice(from, Math.min(from + (maxLines - tailCount - 1), all.length - tailCount));
  const tailFrom = Math.max(from + head.length, all.length - tailCount);
  const gap = tailFrom - (from + head.length);
  return [...head, ...(gap > 0 ? [`[… ${gap} line${gap === 1 ? '' : 's'} …]`] : []), ...all.slice(tailFrom)];
}
