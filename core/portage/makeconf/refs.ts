import { makeConfError } from './errors.ts';
import type { Segment } from './types.ts';

export interface VarRef {
  name: string;
  /** Offsets within the segment text: `[start, end)` covers `$NAME` or `${NAME}`. */
  start: number;
  end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Finds `$NAME` and `${NAME}` references in a segment, and rejects what Portage's parser
 * cannot do: command substitution (`$(...)`, backticks) and parameter operators
 * (`${VAR:-x}`, `${VAR#x}`, ...). `at(offset)` maps an offset to a line for the error.
 */
export function scanRefs(seg: Segment, file: string, lineOf: (offset: number) => number): VarRef[] {
  if (seg.quote === 'single') return [];
  const t = seg.text;
  const refs: VarRef[] = [];
  const err = (i: number, msg: string, hint: string) => makeConfError(file, lineOf(seg.offset + i), msg, hint);
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '`') {
      throw err(
        i,
        'command substitution with backticks is not supported in make.conf',
        'Portage parses make.conf without a shell; write the value literally, or compute it in binfarm.config.ts.',
      );
    }
    if (c !== '$') continue;
    const n = t[i + 1];
    if (n === '(') {
      throw err(
        i,
        `command substitution "$(" is not supported in make.conf`,
        'Portage parses make.conf without a shell; write the value literally, or compute it in binfarm.config.ts.',
      );
    }
    if (n === '{') {
      const close = t.indexOf('}', i + 2);
      if (close < 0) throw err(i, 'unterminated "${": expected "}"', 'Write ${NAME} with a closing brace.');
      const inner = t.slice(i + 2, close);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(inner);
        const what = m ? `parameter operator "${inner.slice(m[0].length)}" in "\${${inner}}"` : `invalid variable name in "\${${inner}}"`;
        throw err(i, `${what} is not supported in make.conf`, 'Portage expands only plain ${NAME} and $NAME; defaults like ${VAR:-x} must be written out.');
      }
      refs.push({ name: inner, start: i, end: close + 1 });
      i = close;
      continue;
    }
    if (n !== undefined && NAME_START.test(n)) {
      let j = i + 1;
      while (j < t.length && NAME_CHAR.test(t[j]!)) j++;
      refs.push({ name: t.slice(i + 1, j), start: i, end: j });
      i = j - 1;
      continue;
    }
    if (n === undefined || /\s/.test(n)) continue; // a lone "$" stays literal
    throw err(i, `"$${n}" is not a variable reference Portage understands`, 'Write ${NAME} or $NAME, or escape a literal dollar sign as \\$.');
  }
  return refs;
}
