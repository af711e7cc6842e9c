/**
 * Runs one emerge in the build container (argv, never a shell string), streams its lines into
 * the subject's progress, and follows `>>> Emerging (n of m) cat/pf` in the task title.
 */
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { EmergeOutputParser, type EmergeResult } from './parse-output.ts';

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
      if (ev?.type === 'start') build.progress.title(`emerge${ev.binary ? ' binary' : ''} (${ev.n} of ${ev.m}) ${ev.cpv}`);
      else if (ev?.type === 'failed') build.progress.title(`emerge: ${ev.cpv} failed`);
    },
  });
  return { argv, exitCode: res.exitCode, result: parser.result(res.exitCode), tail };
}
