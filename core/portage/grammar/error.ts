import { BinfarmError } from '../../errors.ts';

/**
 * A grammar error quotes the offending text, points at the column (1-based) and says what was
 * expected, e.g.
 *   invalid atom ">=dev-libs/foo" at column 15: expected "-<version>" after the package name
 *     >=dev-libs/foo
 *                   ^
 */
export function grammarError(
  code: 'E_ATOM' | 'E_GRAMMAR',
  what: string,
  text: string,
  index: number,
  expected: string,
  hint?: string,
): BinfarmError {
  const column = Math.max(0, Math.min(index, text.length)) + 1;
  const pointer = `    ${text}\n    ${' '.repeat(column - 1)}^`;
  return new BinfarmError(code, `invalid ${what} "${text}" at column ${column}: expected ${expected}\n${pointer}`, {
    hint,
    details: { text, column, expected, what },
  });
}

/** Prefixes an error's message with where the input came from (`subject "x", set "y", atom "z"`). */
export function withContext(e: unknown, where: string): unknown {
  if (!(e instanceof BinfarmError)) return e;
  return new BinfarmError(e.code, `${where}: ${e.message}`, { hint: e.hint, cause: e, details: { ...e.details, where } });
}
