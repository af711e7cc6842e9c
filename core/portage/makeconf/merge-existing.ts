import { evaluateMakeConf } from './evaluate.ts';
import { incrementalTokens, isIncremental, stackTokens } from './incremental.ts';
import { parseMakeConf } from './parse.ts';
import { scanRefs } from './refs.ts';
import { formatAssignment, serializeMakeConf } from './serialize.ts';
import type { AssignStatement, MakeConfDoc, Segment } from './types.ts';

export interface MergeResult {
  text: string;
  /** `in-place`: the image's assignments were edited where they stand; `append`: binfarm's file was appended. */
  mode: 'in-place' | 'append' | 'unchanged';
  log: string[];
}

export const MERGE_MARKER = '# ── added by binfarm (merge) ──';

/**
 * Merges binfarm's rendered make.conf into the make.conf already in the image (the stage3's,
 * or a parent subject's), keeping its comments and order:
 * - an incremental variable the image sets gets binfarm's tokens stacked onto its last
 *   assignment (`-token` and `-*` applied);
 * - a non-incremental one is replaced where it stands, when everything its new value
 *   references is set before that line;
 * - everything else is appended under a marker comment.
 * The result is checked against the obvious reading "image file, then binfarm's file": both
 * must give every variable the same effective value. When they do not (unusual layouts),
 * binfarm's file is appended verbatim instead, which is correct by construction.
 */
export function mergeIntoExisting(existingText: string, renderedText: string, existingFile = 'make.conf', renderedFile = 'make.conf (binfarm)'): MergeResult {
  const existing = parseMakeConf(existingText, existingFile);
  const rendered = parseMakeConf(renderedText, renderedFile);
  const ours = collectOurs(rendered);
  const log: string[] = [];

  const stmts = [...existing.statements];
  const lastIndex = new Map<string, number>();
  stmts.forEach((s, i) => {
    if (s.kind === 'assign') lastIndex.set(s.key, i);
  });
  const tail: string[] = [];
  for (const [key, mine] of ours) {
    const at = lastIndex.get(key);
    const old = at === undefined ? undefined : (stmts[at] as AssignStatement);
    if (mine.kind === 'incremental') {
      if (!old) {
        tail.push(formatAssignment(key, `\${${key}} ${mine.tokens.join(' ')}`));
        log.push(`${key}: added ${mine.tokens.join(' ')}`);
        continue;
      }
      const raw = rawValue(old.segments);
      const selfRef = raw.split(/\s+/).some((t) => t === `\${${key}}` || t === `$${key}`);
      const before = incrementalTokens(raw, key);
      const after = stackTokens(before, mine.tokens);
      if (after.join(' ') === before.join(' ')) continue;
      stmts[at!] = { ...old, raw: formatAssignment(key, `${selfRef ? `\${${key}} ` : ''}${after.join(' ')}`, existingFile, old.exported) };
      log.push(`${key}: "${before.join(' ')}" → "${after.join(' ')}"`);
      continue;
    }
    const safe = old && mine.refs.every((r) => r === key || definedBefore(stmts, r, at!));
    if (old && safe) {
      if (rawValue(old.segments) === mine.value) continue;
      stmts[at!] = { ...old, raw: formatAssignment(key, mine.value, existingFile, old.exported) };
      log.push(`${key}: "${rawValue(old.segments)}" → "${mine.value}"`);
      continue;
    }
    tail.push(formatAssignment(key, mine.value));
    log.push(old ? `${key}: set again at the end (its value uses variables set later)` : `${key}: added "${mine.value}"`);
  }
  if (!log.length) return { text: existingText, mode: 'unchanged', log: ['make.conf already has every binfarm setting'] };

  let text = serializeMakeConf({ ...existing, statements: stmts });
  if (tail.length) {
    if (text && !text.endsWith('\n')) text += '\n';
    if (!text.includes(MERGE_MARKER)) text += `${text ? '\n' : ''}${MERGE_MARKER}\n`;
    text += tail.join('');
  }
  const mismatch = compare(existingText, renderedText, text);
  if (mismatch) {
    let appended = existingText;
    if (appended && !appended.endsWith('\n')) appended += '\n';
    appended += `\n${MERGE_MARKER}\n${renderedText}`;
    return { text: appended, mode: 'append', log: [`appended binfarm's make.conf (an in-place merge would change ${mismatch})`] };
  }
  return { text, mode: 'in-place', log };
}

type Ours = { kind: 'incremental'; tokens: string[] } | { kind: 'plain'; value: string; refs: string[] };

/** binfarm's variables: net tokens of incremental ones, the final value of the others. */
function collectOurs(doc: MakeConfDoc): Map<string, Ours> {
  const out = new Map<string, Ours>();
  for (const st of doc.statements) {
    if (st.kind !== 'assign') continue;
    const raw = rawValue(st.segments);
    if (isIncremental(st.key)) {
      const prev = out.get(st.key);
      const selfRef = raw.split(/\s+/).some((t) => t === `\${${st.key}}` || t === `$${st.key}`);
      const base = prev?.kind === 'incremental' && selfRef ? prev.tokens : [];
      out.set(st.key, { kind: 'incremental', tokens: stackTokens(base, incrementalTokens(raw, st.key)) });
    } else {
      out.delete(st.key); // keep the order of the final assignment
      const refs = scanRefs({ quote: 'double', text: raw, offset: 0 }, doc.file, () => st.line).map((r) => r.name);
      out.set(st.key, { kind: 'plain', value: raw, refs });
    }
  }
  return out;
}

/** A value as double-quote content: single-quoted pieces are escaped, the rest kept. */
function rawValue(segments: Segment[]): string {
  return segments.map((s) => (s.quote === 'single' ? s.text.replace(/[\\"$`]/g, (c) => `\\${c}`) : s.text)).join('');
}

function definedBefore(stmts: MakeConfDoc['statements'], name: string, index: number): boolean {
  for (let i = 0; i < index; i++) {
    const s = stmts[i]!;
    if (s.kind === 'assign' && s.key === name) return true;
  }
  return false;
}

/** The first variable whose effective value differs between "existing then rendered" and the merge, or undefined. */
function compare(existingText: string, renderedText: string, merged: string): string | undefined {
  const opts = { inherited: '*' as const, readSource: () => ({ file: 'sourced', text: '' }) };
  const sep = existingText && !existingText.endsWith('\n') ? '\n' : '';
  const want = evaluateMakeConf(parseMakeConf(existingText + sep + renderedText, 'expected'), opts).vars;
  const got = evaluateMakeConf(parseMakeConf(merged, 'merged'), opts).vars;
  for (const key of new Set([...want.keys(), ...got.keys()])) {
    const a = want.get(key) ?? '';
    const b = got.get(key) ?? '';
    const same = isIncremental(key)
      ? net(a, key) === net(b, key)
      : a === b;
    if (!same) return key;
  }
  return undefined;
}

function net(value: string, key: string): string {
  return stackTokens([], incrementalTokens(value, key)).sort().join(' ');
}
