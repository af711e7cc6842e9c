import type { PhaseName } from '../context.ts';
import { PHASE_LABELS, type RunEvent, type RunReporter } from './events.ts';

/**
 * The line display for logs and CI (stdout not a terminal, CI=true, --renderer simple|verbose).
 * Subjects run concurrently, so every line names its subject: `[hep-core] ✔ emerge (41.2 s)`.
 * `simple` shows state changes, phase titles and warnings; `verbose` adds every output and
 * info line. (listr2's own line renderers do not name the parent task of a line, which makes
 * concurrent subjects unreadable; the live tree in a terminal is listr2's.)
 */
export function createLineReporter(out: { write(s: string): unknown }, mode: 'simple' | 'verbose'): RunReporter {
  const verbose = mode === 'verbose';
  const w = (subject: string | undefined, text: string) => out.write(`${subject ? `[${subject}] ` : ''}${text}\n`);
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  let runId = '';
  const failedPhase = new Map<string, PhaseName>();
  return {
    emit(e: RunEvent) {
      switch (e.event) {
        case 'run:start':
          runId = e.runId;
          break;
        case 'run:plan': {
          const build = e.subjects.filter((s) => s.action === 'build').length;
          w(undefined, `run ${runId}: ${e.subjects.length} subject${e.subjects.length === 1 ? '' : 's'}, ${build} to build (up to ${e.concurrency} at once)`);
          break;
        }
        case 'subject:start':
          w(e.subject, '▶ build started');
          break;
        case 'subject:skip':
          w(e.subject, `↓ skipped: ${e.reason}`);
          break;
        case 'subject:end': {
          const phase = failedPhase.get(e.subject);
          if (e.status === 'built') w(e.subject, `✔ built in ${secs(e.ms)}`);
          // the phase's failure line already carried the message
          else if (phase) w(e.subject, `✖ failed after ${secs(e.ms)} (in ${PHASE_LABELS[phase]})`);
          else w(e.subject, `✖ failed after ${secs(e.ms)}${e.error ? `: ${e.error.message}` : ''}`);
          break;
        }
        case 'phase:start':
          w(e.subject, `▶ ${PHASE_LABELS[e.phase]}`);
          break;
        case 'phase:end': {
          const r = e.record;
          const label = PHASE_LABELS[e.phase];
          if (r.status === 'skipped') w(e.subject, `↓ ${label} skipped: ${r.note ?? ''}${r.by ? ` (by ${r.by})` : ''}`);
          else w(e.subject, `✔ ${label} (${secs(r.ms)})${r.status === 'claimed' ? ` by ${r.by}` : ''}${r.note ? `: ${r.note}` : ''}`);
          break;
        }
        case 'phase:fail':
          failedPhase.set(e.subject, e.phase);
          w(e.subject, `✖ ${PHASE_LABELS[e.phase]} failed after ${secs(e.ms)}: ${e.error.message}`);
          break;
        case 'title':
          w(e.subject, `  ${e.title}`);
          break;
        case 'output':
          if (verbose) w(e.subject, `  │ ${e.line}`);
          break;
        case 'log':
          if (e.level === 'warn' || e.level === 'error') w(e.subject ?? e.origin, `  ${e.level}: ${e.message}`);
          // A plugin's own logger (farm.getLogger(name)) is meant to be read: its info is shown.
          else if (e.level === 'info' && (verbose || isPluginLine(e))) w(e.subject ?? e.origin, `  ${e.message}`);
          break;
        case 'run:end':
          break;
      }
    },
    close: async () => {},
  };
}

/** A line of a plugin's own logger: not binfarm's (`binfarm:*`), not a subject's build log. */
export function isPluginLine(e: { origin: string; subject?: string }): boolean {
  return !e.subject && !e.origin.startsWith('binfarm:');
}
