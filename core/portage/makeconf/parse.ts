import { lineAt, makeConfError } from './errors.ts';
import { scanRefs } from './refs.ts';
import type { MakeConfDoc, Segment, Statement } from './types.ts';

const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r';

/**
 * Parses Portage's restricted make.conf syntax (docs/internals/gentoo.md#make-conf): `KEY=value`, `KEY="v"`,
 * `KEY='v'`, `export KEY=...`, `source path`, comments (also after a value), `\`-newline
 * continuations. Rejects `$(...)`, backticks and `${VAR:-x}` with the file and line. Values
 * are kept unexpanded; see evaluate.ts.
 */
export function parseMakeConf(text: string, file = 'make.conf'): MakeConfDoc {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (offset: number) => lineAt(lineStarts, offset);
  const statements: Statement[] = [];
  const n = text.length;
  let i = 0;

  while (i < n) {
    const start = i;
    let j = i;
    while (j < n && isBlank(text[j])) j++;
    if (j >= n || text[j] === '\n') {
      const end = j < n ? j + 1 : n;
      statements.push({ kind: 'blank', raw: text.slice(start, end), line: lineOf(start) });
      i = end;
      continue;
    }
    if (text[j] === '#') {
      const nl = text.indexOf('\n', j);
      const end = nl < 0 ? n : nl + 1;
      statements.push({ kind: 'comment', raw: text.slice(start, end), line: lineOf(start) });
      i = end;
      continue;
    }

    const line = lineOf(j);
    const err = (msg: string, hint?: string, at = j) => makeConfError(file, lineOf(at), msg, hint);
    const readName = (at: number): string | undefined => {
      NAME_RE.lastIndex = at;
      return NAME_RE.exec(text)?.[0];
    };
    let name = readName(j);
    if (!name) {
      throw err(`expected a variable assignment such as KEY="value", found "${text.slice(j).split('\n')[0]}"`,
        'make.conf holds only assignments, "source" lines and comments.');
    }
    let k = j + name.length;
    let exported = false;
    if ((name === 'export' || name === 'source') && isBlank(text[k])) {
      let m = k;
      while (m < n && isBlank(text[m])) m++;
      if (name === 'source') {
        const { segments, end } = readValue(text, m, file, lineOf);
        if (!segments.length) throw err('"source" needs a path');
        i = finishLine(text, end, file, lineOf, 'source');
        statements.push({ kind: 'source', raw: text.slice(start, i), line, segments });
        continue;
      }
      const real = readName(m);
      if (!real) throw err('expected a variable name after "export"', undefined, m);
      exported = true;
      name = real;
      k = m + real.length;
    }
    while (k < n && isBlank(text[k])) k++;
    if (text[k] !== '=') {
      throw err(`expected "=" after "${name}"`, 'Assignments look like KEY="value"; values with spaces need quotes.', k);
    }
    k++;
    // Portage's shlex tolerates blanks after "=" before a quoted or plain word
    let v = k;
    while (v < n && isBlank(text[v])) v++;
    const valueStart = v < n && text[v] !== '\n' && text[v] !== '#' ? v : k;
    const { segments, end } = readValue(text, valueStart, file, lineOf);
    for (const seg of segments) scanRefs(seg, file, lineOf);
    i = finishLine(text, end, file, lineOf, name);
    statements.push({ kind: 'assign', raw: text.slice(start, i), line, key: name, exported, segments });
  }
  return { file, statements, lineStarts };
}

/** Reads one shell word: quoted and unquoted pieces until an unquoted blank, newline or "#". */
function readValue(text: string, at: number, file: string, lineOf: (o: number) => number): { segments: Segment[]; end: number } {
  const segments: Segment[] = [];
  const n = text.length;
  let k = at;
  let plainStart = -1;
  const flushPlain = (upTo: number) => {
    if (plainStart >= 0) segments.push({ quote: 'none', text: text.slice(plainStart, upTo), offset: plainStart });
    plainStart = -1;
  };
  while (k < n) {
    const c = text[k]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '#') break;
    if (c === '"' || c === "'") {
      flushPlain(k);
      let m = k + 1;
      if (c === '"') {
        while (m < n && text[m] !== '"') m += text[m] === '\\' ? 2 : 1;
      } else {
        m = text.indexOf("'", k + 1);
        if (m < 0) m = n;
      }
      if (m >= n) {
        throw makeConfError(file, lineOf(k), `unterminated ${c === '"' ? 'double' : 'single'} quote`, `Close the quote opened on line ${lineOf(k)}.`);
      }
      segments.push({ quote: c === '"' ? 'double' : 'single', text: text.slice(k + 1, m), offset: k + 1 });
      k = m + 1;
      continue;
    }
    if (plainStart < 0) plainStart = k;
    k += c === '\\' && k + 1 < n ? 2 : 1;
  }
  flushPlain(k);
  return { segments, end: k };
}

/** After a value: blanks, an optional comment, then the newline (included) or the end. */
function finishLine(text: string, at: number, file: string, lineOf: (o: number) => number, key: string): number {
  const n = text.length;
  let k = at;
  while (k < n && isBlank(text[k])) k++;
  if (k < n && text[k] === '#') {
    const nl = text.indexOf('\n', k);
    return nl < 0 ? n : nl + 1;
  }
  if (k >= n) return n;
  if (text[k] === '\n') return k + 1;
  const word = text.slice(k).split(/[\s]/)[0];
  throw makeConfError(file, lineOf(k), `unexpected "${word}" after the value of ${key}`, 'Quote values that contain spaces: KEY="a b".');
}
