/**
 * The one way an error becomes report data: run and assemble events, the run journal, the
 * summary, and the CLI's `--json` error line all carry the same fields.
 */
import { exitCodeFor, isBinfarmError, rootCause } from './errors.ts';

export interface ErrorReport {
  code: string;
  message: string;
  /** What to do: the first hint along the cause chain. */
  hint?: string;
  /** For an error thrown in a plugin tap (code E_PLUGIN): the real reason's code, e.g. E_SMOKE. */
  causeCode?: string;
  /** For E_PLUGIN: the tap that threw. */
  plugin?: string;
  /** The exit code the CLI ends with for this error (docs/cli.md). */
  exitCode: number;
  /** The error's structured details, when it has any that survive JSON. */
  details?: Record<string, unknown>;
}

export function errorReport(e: unknown): ErrorReport {
  const err = e instanceof Error ? e : new Error(String(e));
  const hint = firstHint(err);
  const root = rootCause(err);
  const causeCode = root !== err && isBinfarmError(root) ? root.code : undefined;
  const plugin = (err as { plugin?: unknown }).plugin;
  const details = isBinfarmError(err) ? jsonSafe(err.details) : undefined;
  return {
    code: isBinfarmError(err) ? err.code : 'E_INTERNAL',
    message: err.message,
    ...(hint ? { hint } : {}),
    ...(causeCode ? { causeCode } : {}),
    ...(typeof plugin === 'string' ? { plugin } : {}),
    exitCode: exitCodeFor(err),
    ...(details ? { details } : {}),
  };
}

/** The first hint along the cause chain. */
export function firstHint(e: unknown): string | undefined {
  let cur = e;
  for (let i = 0; i < 10 && cur instanceof Error; i++) {
    const h = (cur as { hint?: unknown }).hint;
    if (typeof h === 'string' && h) return h;
    cur = cur.cause;
  }
  return undefined;
}

function jsonSafe(v: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!v) return undefined;
  try {
    return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
