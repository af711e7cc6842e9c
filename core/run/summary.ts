import { relative } from 'node:path';
import type { RunResult } from './runner.ts';
import { PHASE_LABELS } from './progress/events.ts';
import { rootCause } from '../errors.ts';

/**
 * The end-of-run text: counts, the run directory, and for each failure the error, its hint
 * and the last lines of the subject's log.
 */
export function formatRunSummary(result: RunResult, ms: number, cwd = process.cwd()): string {
  const s = result.summary;
  const lines: string[] = [];
  const mark = result.status === 'done' ? '✔' : '✖';
  const status = result.status === 'done' ? 'run finished' : result.status === 'interrupted' ? 'run interrupted' : 'run failed';
  lines.push(`${mark} ${status}: ${s.built.length} built, ${s.skipped.length} skipped, ${s.failed.length} failed in ${(ms / 1000).toFixed(1)} s`);
  if (result.status === 'interrupted' && !result.failures.length && result.error !== undefined) {
    // Not a subject's failure (planning, publishing): say what the interrupt left, e.g. what was published.
    const e = rootCause(result.error) as { message?: string; hint?: string };
    lines.push('', `✖ ${e.message ?? String(e)}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
  }
  for (const f of result.failures) {
    const where = f.phase ? ` in ${PHASE_LABELS[f.phase]}` : '';
    lines.push('', `✖ ${f.subject} failed${where}: ${f.error.message}`);
    if (f.error.hint) lines.push(`  hint: ${f.error.hint}`);
    // The log's own copy of the error (its "FAILED" line) was just printed above: not twice.
    const first = f.error.message.split('\n')[0]!;
    const tail = f.tail.map(stripAnsi).filter((l) => !(first.length > 20 && l.includes(first)));
    if (tail.length) {
      lines.push(`  ── last ${tail.length} lines of ${rel(f.logFile, cwd)} ──`);
      for (const l of tail) lines.push(`  │ ${l}`);
    }
  }
  lines.push('', `logs: ${rel(result.runDir, cwd)}/`);
  return lines.join('\n');
}

function rel(p: string, cwd: string): string {
  const r = relative(cwd, p);
  return r && !r.startsWith('..') ? r : p;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

function stripAnsi(line: string): string {
  return line.replace(ANSI, '');
}
