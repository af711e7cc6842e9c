import type { RunEvent, RunReporter } from './events.ts';

/**
 * `--json`: one JSON object per line, each with `event` and `time` (ISO 8601). Lines are
 * written synchronously in order; consumers can stream-parse stdout.
 */
export function createJsonReporter(out: { write(s: string): unknown }, now: () => Date = () => new Date()): RunReporter {
  return {
    emit(e: RunEvent) {
      out.write(`${JSON.stringify({ ...e, time: now().toISOString() })}\n`);
    },
    close: async () => {},
  };
}
