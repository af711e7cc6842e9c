/**
 * What changed inside a keyed file, for `plan --explain`: `CFLAGS "-O2" → "-O3"` for a
 * make.conf variable, `+dev-libs/boost python` / `-dev-libs/foo bar` for package.* lines.
 * Works from the content recorded in the subject state (core/plan/file-inputs.ts); a state
 * written before that content was recorded explains at file level only.
 */
import type { KeyContent } from './file-inputs.ts';

/** Detail lines for one changed input, or undefined when either side has no recorded content. */
export function contentChanges(before: KeyContent | undefined, after: KeyContent | undefined): string[] | undefined {
  if (!before || !after) return undefined;
  if ('vars' in before && 'vars' in after) return varChanges(before.vars, after.vars);
  if ('lines' in before && 'lines' in after) return lineChanges(before.lines, after.lines);
  return undefined;
}

function varChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const b = before[name];
    const a = after[name];
    if (a === b) continue;
    if (b === undefined) out.push(`${name} added ${JSON.stringify(a)}`);
    else if (a === undefined) out.push(`${name} removed (was ${JSON.stringify(b)})`);
    else out.push(`${name} ${JSON.stringify(b)} → ${JSON.stringify(a)}`);
  }
  return out;
}

/** Lines removed (`-line`) then added (`+line`), each in file order; a reordering alone gives none. */
function lineChanges(before: string[], after: string[]): string[] {
  const had = new Set(before);
  const has = new Set(after);
  return [...before.filter((l) => !has.has(l)).map((l) => `-${l}`), ...after.filter((l) => !had.has(l)).map((l) => `+${l}`)];
}
