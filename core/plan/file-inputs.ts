/**
 * The `file:<path>` inputs of a content key, from the rendered /etc/portage files:
 * - make.conf (file or directory) and env/* files: their evaluated variables minus the tuning
 *   knobs (core/plan/tuning-knobs.ts), FEATURES and EMERGE_DEFAULT_OPTS filtered word by word;
 * - transport-only files (binrepos.conf, mirrors): left out;
 * - every other file: its bytes.
 * Beside the digests it returns the content `plan --explain` diffs (core/plan/explain-content.ts):
 * the keyed variables of make.conf-syntax files and the lines of package.* files.
 */
import { evaluateMakeConf, incrementalTokens, parseMakeConf } from '../portage/makeconf/index.ts';
import { sha256, stableHash } from '../util/hash.ts';
import { isTransportFile, isTuningVariable, keyedEmergeOpts, keyedFeatures } from './tuning-knobs.ts';

/** What the state keeps of a keyed file, to say what changed inside it. */
export type KeyContent = { vars: Record<string, string> } | { lines: string[] };

export interface FileInputs {
  /** `file:<path>` → digest. */
  inputs: Record<string, string>;
  /** `file:<path>` → diffable content (make.conf variables, package.* lines). */
  content: Record<string, KeyContent>;
}

const isMakeConf = (path: string): boolean => path === 'make.conf' || path.startsWith('make.conf/');
const isEnvFile = (path: string): boolean => /^env\/[^/]+$/.test(path);
const isPackageFile = (path: string): boolean => /^package\.[a-z_]+(\/|$)/.test(path);

export function fileInputs(files: ReadonlyMap<string, string>): FileInputs {
  const inputs: Record<string, string> = {};
  const content: Record<string, KeyContent> = {};
  const paths = [...files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Portage reads /etc/portage/make.conf/* in lexical order, as one file: later files see earlier variables.
  const shared = new Map<string, string>();
  for (const path of paths) {
    const text = files.get(path)!;
    const name = `file:${path}`;
    if (isTransportFile(path)) continue;
    if (isMakeConf(path) || isEnvFile(path)) {
      const vars = keyedVariablesOrUndefined(text, path, isMakeConf(path) ? shared : new Map());
      if (vars) {
        inputs[name] = stableHash(vars);
        content[name] = { vars };
        continue;
      }
    }
    inputs[name] = sha256(text);
    if (isPackageFile(path)) content[name] = { lines: contentLines(text) };
  }
  return { inputs, content };
}

/** The variables one make.conf-syntax file assigns, as Portage evaluates them, without tuning knobs. */
export function keyedVariables(text: string, path: string, vars: Map<string, string> = new Map()): Record<string, string> {
  const { origin } = evaluateMakeConf(parseMakeConf(text, path), { vars, inherited: '*' });
  return keyedAssignments(Object.fromEntries([...origin.keys()].map((name) => [name, vars.get(name)!])));
}

/**
 * keyedVariables, or undefined when the file cannot be evaluated here (a renderedFiles tap may
 * add one that `source`s another file): then its bytes are the input, which is never too lenient.
 */
function keyedVariablesOrUndefined(text: string, path: string, vars: Map<string, string>): Record<string, string> | undefined {
  try {
    return keyedVariables(text, path, vars);
  } catch {
    return undefined;
  }
}

/** make.conf assignments without tuning knobs: those variables dropped, FEATURES and EMERGE_DEFAULT_OPTS filtered word by word. */
export function keyedAssignments(vars: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(vars).sort()) {
    if (isTuningVariable(name)) continue;
    const value = vars[name]!;
    if (name === 'FEATURES' || name === 'EMERGE_DEFAULT_OPTS') {
      const words = value.split(/\s+/).filter(Boolean);
      const kept = name === 'FEATURES' ? keyedFeatures(words) : keyedEmergeOpts(words);
      // only tuning words (and `${FEATURES}` itself) left: the assignment changes nothing that is keyed
      if (!incrementalTokens(kept.join(' '), name).length) continue;
      out[name] = kept.join(' ');
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** Non-comment, non-blank lines, trimmed. */
function contentLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line && !line.startsWith('#')) out.push(line);
  }
  return out;
}
