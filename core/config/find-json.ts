import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** What cosmiconfig's search and load resolve to (discover.ts FoundConfig). */
export interface FoundJson {
  filepath: string;
  config: unknown;
  isEmpty?: boolean;
}

/**
 * The search cosmiconfig makes, done directly for the configs that need no loader of its own:
 * a JSON file (`.binfarmrc.json`, `.config/binfarmrc.json`) or package.json's `binfarm` key.
 * Loading cosmiconfig costs more than the rest of loading a JSON config (docs/internals/startup.md).
 *
 * It answers only when the answer is certainly cosmiconfig's; `undefined` means "ask cosmiconfig",
 * which then searches again from the start and finds the same file or fails with its own error.
 * That is the case when the first candidate found is a code, YAML or extensionless file, when
 * a JSON file does not parse or is not a plain object, holds `$import`, when nothing is found,
 * or when the working directory holds a cosmiconfig meta config (package.json's `cosmiconfig`
 * key or a `.config/config.*` file can add search places and change the rules).
 */
export function findJsonConfig(cwd: string, places: readonly string[]): FoundJson | undefined {
  if (!noMetaConfig()) return undefined;
  let dir = resolve(cwd);
  for (;;) {
    if (isDirectory(dir)) {
      for (const place of places) {
        const file = join(dir, place);
        const text = readCandidate(file);
        if (text === null) continue;
        // cosmiconfig skips an empty candidate (ignoreEmptySearchPlaces), whatever its kind.
        if (text.trim() === '') continue;
        const found = jsonConfig(file, text);
        if (found === null) continue;
        return found;
      }
    }
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'package.yaml'))) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `--config FILE` for a JSON file or a package.json, like cosmiconfig's load(). */
export function loadJsonConfig(file: string): FoundJson | null | undefined {
  if (!noMetaConfig()) return undefined;
  const text = readCandidate(file);
  if (text === null) return undefined;
  if (text.trim() === '') return basename(file) === 'package.json' || file.endsWith('.json') ? { filepath: file, config: undefined, isEmpty: true } : undefined;
  return jsonConfig(file, text);
}

/**
 * The config a JSON candidate holds: the object (the `binfarm` key of a package.json), null when
 * cosmiconfig would go on to the next candidate (a package.json without the key), undefined when
 * it is not a file this lookup reads or not one it can answer for.
 */
function jsonConfig(file: string, text: string): FoundJson | null | undefined {
  const isPackage = basename(file) === 'package.json';
  if (!isPackage && !file.endsWith('.json')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // cosmiconfig's own error (file, line, code frame)
  }
  if (!isPlainObject(parsed)) return undefined;
  let config: unknown = parsed;
  if (isPackage) {
    config = parsed.binfarm;
    if (config === undefined || config === null) return null;
  }
  if (isPlainObject(config) && Object.hasOwn(config, '$import')) return undefined;
  return { filepath: file, config };
}

/** The candidate's text, or null when cosmiconfig passes over it (missing, a directory, unreadable). */
function readCandidate(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EACCES') return null;
    throw e;
  }
}

/** cosmiconfig's meta config places, looked for in the process's working directory. */
const META_PLACES = [
  'package.yaml',
  '.config/config.json',
  '.config/config.yaml',
  '.config/config.yml',
  '.config/config.js',
  '.config/config.ts',
  '.config/config.cjs',
  '.config/config.mjs',
];

let noMeta: boolean | undefined;

/** True when the working directory holds no cosmiconfig meta config (nothing can change the search). */
function noMetaConfig(): boolean {
  if (noMeta !== undefined) return noMeta;
  const cwd = process.cwd();
  noMeta = false;
  if (META_PLACES.some((p) => existsSync(join(cwd, p)))) return noMeta;
  const pkg = readCandidate(join(cwd, 'package.json'));
  if (pkg !== null) {
    try {
      const parsed: unknown = JSON.parse(pkg);
      if (!isPlainObject(parsed) || Object.hasOwn(parsed, 'cosmiconfig')) return noMeta;
    } catch {
      return noMeta;
    }
  }
  noMeta = true;
  return noMeta;
}

function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
