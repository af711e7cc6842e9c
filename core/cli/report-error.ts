import { exitCodeFor, isBinfarmError, type BinfarmError } from '../errors.ts';

/**
 * How a failure reaches the user: `binfarm: <message>`, `hint: <what to do>`, and with
 * --verbose the cause chain and stacks. With --json the same facts go to stdout as one
 * JSON line (the human text still goes to stderr).
 */
export function formatError(e: unknown, verbose: boolean): string {
  const lines: string[] = [];
  const err = e instanceof Error ? e : new Error(String(e));
  lines.push(`binfarm: ${err.message}`);
  const hint = findHint(err);
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

export function errorJson(e: unknown): Record<string, unknown> {
  const err = e instanceof Error ? e : new Error(String(e));
  const b = isBinfarmError(err) ? (err as BinfarmError) : undefined;
  return {
    event: 'error',
    code: b?.code ?? 'E_INTERNAL',
    message: err.message,
    hint: findHint(err),
    exitCode: exitCodeFor(err),
    ...(b?.details ? { details: jsonSafe(b.details) } : {}),
  };
}

/** The first hint along the cause chain. */
function findHint(e: unknown): string | undefined {
  let cur = e;
  for (let i = 0; i < 10 && cur instanceof Error; i++) {
    const h = (cur as { hint?: unknown }).hint;
    if (typeof h === 'string' && h) return h;
    cur = cur.cause;
  }
  return undefined;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l.trim()}`)
    .join('\n');
}

function jsonSafe(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v));
  } catch {
    return undefined;
  }
}
