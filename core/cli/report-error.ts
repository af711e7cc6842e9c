import { isBinfarmError } from '../errors.ts';
import { errorReport, firstHint } from '../error-report.ts';

/**
 * How a failure reaches the user: `binfarm: <message>`, `hint: <what to do>`, and with
 * --verbose the cause chain and stacks. With --json the same facts go to stdout as one
 * JSON line (the human text still goes to stderr).
 */
export function formatError(e: unknown, verbose: boolean): string {
  const lines: string[] = [];
  const err = e instanceof Error ? e : new Error(String(e));
  lines.push(`binfarm: ${err.message}`);
  const hint = firstHint(err);
  if (hint) lines.push(`hint: ${hint}`);
  if (!isBinfarmError(err) && !verbose) lines.push('(an unexpected error; run with --verbose for the stack trace)');
  if (verbose) {
    let cur: unknown = err;
    let depth = 0;
    while (cur instanceof Error && depth < 10) {
      const code = isBinfarmError(cur) ? ` [${cur.code}]` : '';
      lines.push(depth === 0 ? `stack${code}:` : `caused by${code}: ${cur.message}`);
      if (cur.stack) lines.push(indent(cur.stack.split('\n').slice(1).join('\n')));
      cur = cur.cause;
      depth++;
    }
    if (cur !== undefined && !(cur instanceof Error)) lines.push(`caused by: ${String(cur)}`);
  }
  return lines.join('\n');
}

/** The `--json` error line: the same report data as run and assemble events (core/error-report.ts). */
export function errorJson(e: unknown): Record<string, unknown> {
  return { event: 'error', ...errorReport(e) };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l.trim()}`)
    .join('\n');
}

