import { lineAt, makeConfError } from './errors.ts';
import { parseMakeConf } from './parse.ts';
import { scanRefs } from './refs.ts';
import type { MakeConfDoc, Segment } from './types.ts';

export interface EvaluateOptions {
  /** Variables already set (earlier files of a make.conf directory, the environment). Updated in place when given. */
  vars?: Map<string, string>;
  /**
   * Variables known to come from make.globals or the profile. A reference to one of them that
   * is not set here stays as `${NAME}` in the result instead of failing. `'*'` accepts any name
   * (env/*.conf files, whose variables come from the package's environment).
   */
  inherited?: Iterable<string> | '*';
  /** Reads a `source`d file; `path` is resolved against the including file's directory. */
  readSource?: (path: string, fromFile: string) => { file: string; text: string } | undefined;
}

export interface Evaluated {
  vars: Map<string, string>;
  /** Where each variable was last assigned. */
  origin: Map<string, { file: string; line: number }>;
}

/**
 * Evaluates a document the way Portage's getconfig does: assignments in order, later ones
 * override earlier ones, `${VAR}`/`$VAR` expanded in double quotes and unquoted text (not in
 * single quotes), `\$` and `\\` escapes, continuations removed, newlines in values become
 * spaces. An unresolved reference fails with the file and line unless the name is inherited.
 */
export function evaluateMakeConf(doc: MakeConfDoc, opts: EvaluateOptions = {}): Evaluated {
  const vars = opts.vars ?? new Map<string, string>();
  const origin = new Map<string, { file: string; line: number }>();
  const inherited = opts.inherited === '*' ? '*' : new Set(opts.inherited ?? []);
  run(doc, vars, origin, inherited, opts, 0);
  return { vars, origin };
}

function run(
  doc: MakeConfDoc,
  vars: Map<string, string>,
  origin: Map<string, { file: string; line: number }>,
  inherited: Set<string> | '*',
  opts: EvaluateOptions,
  depth: number,
): void {
  const lineOf = (o: number) => lineAt(doc.lineStarts, o);
  for (const st of doc.statements) {
    if (st.kind !== 'assign' && st.kind !== 'source') continue;
    const value = expandSegments(st.segments, doc.file, lineOf, (name) => {
      if (vars.has(name)) return vars.get(name);
      if (inherited === '*' || inherited.has(name)) return `\${${name}}`;
      return undefined;
    });
    if (st.kind === 'assign') {
      vars.set(st.key, value);
      origin.set(st.key, { file: doc.file, line: st.line });
      continue;
    }
    if (depth > 16) throw makeConfError(doc.file, st.line, `"source ${value}" nests too deeply (a loop?)`);
    const read = opts.readSource?.(value, doc.file);
    if (!read) {
      throw makeConfError(
        doc.file,
        st.line,
        `cannot read the sourced file "${value}"`,
        opts.readSource
          ? 'Check the path; relative paths resolve against the including file.'
          : 'This make.conf uses "source", which needs a file reader here.',
      );
    }
    run(parseMakeConf(read.text, read.file), vars, origin, inherited, opts, depth + 1);
  }
}

/** Expands segments to the value Portage would see. */
export function expandSegments(
  segments: Segment[],
  file: string,
  lineOf: (offset: number) => number,
  lookup: (name: string) => string | undefined,
): string {
  let out = '';
  for (const seg of segments) {
    if (seg.quote === 'single') {
      out += seg.text.replace(/\r?\n/g, ' ');
      continue;
    }
    const refs = scanRefs(seg, file, lineOf);
    const t = seg.text;
    let r = 0;
    for (let i = 0; i < t.length; i++) {
      const ref = refs[r];
      if (ref && ref.start === i) {
        const v = lookup(ref.name);
        if (v === undefined) {
          throw makeConfError(file, lineOf(seg.offset + i), `\${${ref.name}} is not set at this point`,
            `Set ${ref.name} earlier in make.conf (or in an earlier make.conf/ file), or drop the reference.`);
        }
        out += v;
        i = ref.end - 1;
        r++;
        continue;
      }
      const c = t[i]!;
      if (c === '\\' && i + 1 < t.length) {
        const nx = t[i + 1]!;
        i++;
        if (nx === '\n') continue; // line continuation
        if (seg.quote === 'double') out += nx === '\\' || nx === '$' || nx === '"' || nx === '`' ? nx : `\\${nx}`;
        else out += nx;
        continue;
      }
      out += c === '\n' ? ' ' : c === '\r' ? '' : c;
    }
  }
  return out;
}
