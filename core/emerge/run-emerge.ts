/**
 * Runs one emerge in the build container (argv, never a shell string), streams its lines into
 * the subject's progress, and follows `>>> Emerging (n of m) cat/pf` in the task title.
 */
import type { ContainerHandle } from '../engine/types.ts';
import { readContainerFile } from '../engine/container-file.ts';
import type { SubjectBuild } from '../run/context.ts';
import { EmergeOutputParser, parseEmergeLog, type EmergeLogSummary, type EmergeResult } from './parse-output.ts';
import { PackageTimer } from './package-timer.ts';

/** Where emerge logs merges (EMERGE_LOG_DIR is not moved by binfarm's make.conf). */
const EMERGE_LOG = '/var/log/emerge.log';

export interface EmergeInvocation {
  argv: string[];
  exitCode: number;
  result: EmergeResult;
  /** The last lines of output (for resolver errors, which name no package). */
  tail: string[];
}

export async function runEmerge(
  build: SubjectBuild,
  container: ContainerHandle,
  argv: string[],
  opts: { env?: Record<string, string>; parser?: EmergeOutputParser } = {},
): Promise<EmergeInvocation> {
  const parser = opts.parser ?? new EmergeOutputParser();
  const tail: string[] = [];
  const logStart = await emergeLogSize(container);
  const timer = new PackageTimer((ev) => build.progress.package?.(ev));
  build.progress.title(`${argv.slice(0, 1).concat(argv.filter((a) => a.startsWith('@'))).join(' ')}`);
  const res = await container.exec(argv, {
    ...(opts.env && Object.keys(opts.env).length ? { env: opts.env } : {}),
    signal: build.run.signal,
    keepBytes: 256 * 1024,
    onLine(line) {
      build.progress.output(line);
      tail.push(line);
      if (tail.length > 40) tail.shift();
      const ev = parser.feed(line);
      timer.feed(ev);
      if (ev?.type === 'start') build.progress.title(`emerge${ev.binary ? ' binary' : ''} (${ev.n} of ${ev.m}) ${ev.cpv}`);
      else if (ev?.type === 'failed') build.progress.title(`emerge: ${ev.cpv} failed`);
    },
  });
  timer.finish(res.exitCode);
  const result = parser.result(res.exitCode);
  if (logStart !== undefined) reconcile(result, parseEmergeLog(await emergeLogSince(container, logStart)));
  return { argv, exitCode: res.exitCode, result, tail };
}

// Both through the archive API, not an exec: an exec starts a process in the container, which costs
// the engine a few hundred ms on a busy host, around every emerge.
async function emergeLogSize(c: ContainerHandle): Promise<number | undefined> {
  const st = await c.statPath(EMERGE_LOG).then(
    (s) => s ?? { size: 0 },
    () => undefined,
  );
  return st?.size;
}

async function emergeLogSince(c: ContainerHandle, offset: number): Promise<string> {
  const log = await readContainerFile(c, EMERGE_LOG).catch(() => undefined);
  return log ? log.subarray(offset).toString('utf8') : '';
}

/**
 * emerge.log is the record Portage keeps of completed merges (docs/internals/gentoo.md#emerge-log). A package it
 * shows completed that the terminal output did not (a changed message format, a line lost in
 * the stream) is added, as binary when it was merged from a binpkg.
 */
export function reconcile(result: EmergeResult, log: EmergeLogSummary): void {
  const known = new Set([...result.built, ...result.binary, ...result.failed.map((f) => f.cpv)]);
  for (const cpv of log.completed) {
    if (known.has(cpv)) continue;
    (log.binary.includes(cpv) ? result.binary : result.built).push(cpv);
    result.incomplete = result.incomplete.filter((x) => x !== cpv);
  }
}
