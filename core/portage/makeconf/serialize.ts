import { makeConfError } from './errors.ts';
import { parseMakeConf } from './parse.ts';
import type { AssignStatement, MakeConfDoc } from './types.ts';

/** The document's text: unmodified statements are emitted exactly as read. */
export function serializeMakeConf(doc: MakeConfDoc): string {
  let out = '';
  for (const st of doc.statements) out += st.raw;
  return out;
}

/**
 * `KEY="value"` + newline. `value` is make.conf double-quote content: `${VAR}` references are
 * kept, a literal `$`, `"` or `\` must already be escaped (see `quoteLiteral`). The line is
 * parsed back to make sure it is valid.
 */
export function formatAssignment(key: string, value: string, file = 'make.conf', exported = false): string {
  const line = `${exported ? 'export ' : ''}${key}="${value}"\n`;
  const invalid = (why: string) =>
    makeConfError(file, 1, `the value of ${key} is not valid inside double quotes: ${JSON.stringify(value)}${why}`,
      'Escape a literal " as \\" and a literal $ as \\$; write variables as ${NAME}.');
  let doc;
  try {
    doc = parseMakeConf(line, file);
  } catch (e) {
    throw invalid(` (${(e as Error).message.replace(/^.*?:\d+: /, '')})`);
  }
  const st = doc.statements[0];
  if (doc.statements.length !== 1 || st?.kind !== 'assign' || st.key !== key) throw invalid('');
  return line;
}

/** Escapes literal text for use inside double quotes. */
export function quoteLiteral(text: string): string {
  return text.replace(/[\\"$`]/g, (c) => `\\${c}`);
}

/** A new assignment statement (for documents built or edited in code). */
export function assignment(key: string, value: string, file = 'make.conf', exported = false): AssignStatement {
  const raw = formatAssignment(key, value, file, exported);
  const st = parseMakeConf(raw, file).statements[0] as AssignStatement;
  return st;
}
