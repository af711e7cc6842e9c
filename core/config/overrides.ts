import type { z } from 'zod';
import { BinfarmError } from '../errors.ts';
import { formatPath } from './format-issues.ts';
import { acceptsString, arrayElement, childSchema, enumValues, knownKeys, schemaAt, schemaKind } from './schema-walk.ts';
import { didYouMean } from './suggest.ts';

/**
 * Config values from outside the file (docs/config.md#overrides):
 *
 * - `--set a.b=value` (repeatable, applied in command-line order). Keys are dotted paths;
 *   a key containing dots or slashes is written in brackets: `portage.files["env/x.conf"]=...`.
 * - `BINFARM_A__B=value`: `__` separates levels, a single `_` inside a level is a word break
 *   (`BINFARM_RUN__LOAD_AVERAGE` → run.loadAverage). Keys of maps (make.conf variables,
 *   subject names) are taken verbatim: `BINFARM_PORTAGE__MAKE_CONF__LDFLAGS` → portage.makeConf.LDFLAGS.
 *   `BINFARM_CONFIG` is the config path (like --config), `BINFARM_LOADER=tsx` selects the
 *   TypeScript loader (bin/binfarm.js); `BINFARM_TEST_*` is reserved for tests.
 *
 * Values are read according to the schema at the key: strings verbatim, numbers and booleans
 * parsed strictly, arrays as JSON (`["a","b"]`) or a comma list (`a,b`), anything else as
 * JSON when it parses, else as a string. Precedence: --set > env > file > defaults.
 */
export interface Override {
  path: string[];
  value: unknown;
  /** The text as given. */
  raw: string;
  kind: 'env' | 'cli';
  /** `--set run.jobs=4` or `env BINFARM_RUN__JOBS`; shown by `binfarm config`. */
  source: string;
}

type AnySchema = z.ZodType;

/** Environment variables that are not config keys (BINFARM_LOADER: see bin/binfarm.js). */
export const RESERVED_ENV = new Set(['BINFARM_CONFIG', 'BINFARM_LOADER']);
const RESERVED_ENV_PREFIX = 'BINFARM_TEST_';

/** Splits `a.b["c.d"][0]` into `['a', 'b', 'c.d', '0']`. */
export function parseKeyPath(text: string): string[] {
  const out: string[] = [];
  const re = /\.?([^.[\]]+)|\[(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\d+))\]/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length && (m = re.exec(text))) {
    out.push(m[1] ?? (m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : (m[3] ?? m[4]!)));
    pos = re.lastIndex;
  }
  if (pos !== text.length || !out.length || (out.length && text.startsWith('.'))) {
    throw new BinfarmError('E_OVERRIDE', `"${text}" is not a key path`, {
      hint: 'Write keys as dotted paths, e.g. portage.makeopts or portage.files["env/big.conf"].',
    });
  }
  return out;
}

/** Parses one `--set key=value`. */
export function parseSetFlag(text: string, schema: AnySchema): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new BinfarmError('E_OVERRIDE', `--set ${text}: expected key=value`, { hint: 'Example: --set portage.makeopts=-j8' });
  }
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const path = checkPath(parseKeyPath(key), schema, `--set ${key}`);
  const source = `--set ${key}`;
  return { path, value: coerce(raw, leafSchema(schema, path), source), raw, kind: 'cli', source };
}

/** A BINFARM_* variable that overrides an option (not one of binfarm's own settings). */
function isOverrideVariable(name: string): boolean {
  return name.startsWith('BINFARM_') && !RESERVED_ENV.has(name) && !name.startsWith(RESERVED_ENV_PREFIX);
}

/** Whether `env` holds a BINFARM_* variable that parseEnvOverrides would read (no schema needed to tell). */
export function hasEnvOverrides(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((n) => isOverrideVariable(n) && env[n] !== undefined);
}

/** Every BINFARM_* variable of `env` as an override, sorted by name for determinism. */
export function parseEnvOverrides(env: NodeJS.ProcessEnv, schema: AnySchema): Override[] {
  const out: Override[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!isOverrideVariable(name)) continue;
    const raw = env[name];
    if (raw === undefined) continue;
    const source = `env ${name}`;
    const path = envPath(name, schema, source);
    out.push({ path, value: coerce(raw, leafSchema(schema, path), source), raw, kind: 'env', source });
  }
  return out;
}

/** Maps `BINFARM_RUN__LOAD_AVERAGE` onto `['run', 'loadAverage']` by the schema's keys. */
function envPath(name: string, schema: AnySchema, source: string): string[] {
  const segments = name.slice('BINFARM_'.length).split('__');
  const path: string[] = [];
  let cur: AnySchema | undefined = schema;
  for (const seg of segments) {
    if (!seg) throw new BinfarmError('E_OVERRIDE', `${source}: empty key segment`, { hint: 'Use "__" between levels, e.g. BINFARM_RUN__JOBS.' });
    const kind = schemaKind(cur!);
    let key: string;
    if (kind === 'object' || kind === 'union') {
      const wanted = seg.replace(/_/g, '').toLowerCase();
      const match = knownKeys(cur!).find((k) => k.toLowerCase() === wanted);
      if (!match) {
        const camel = seg.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
        const at = formatPath([...path, camel]);
        throw new BinfarmError('E_OVERRIDE', `${source}: there is no config key "${at}"${didYouMean(camel, knownKeys(cur!))}`, {
          hint: `Environment variables map onto config keys (BINFARM_<KEY>__<SUBKEY>); see \`binfarm config\` for the keys. Unset ${name} if it is not meant for binfarm.`,
        });
      }
      key = match;
    } else {
      key = seg; // map keys and array indices: verbatim
    }
    path.push(key);
    cur = childSchema(cur!, key);
    if (!cur) throw new BinfarmError('E_OVERRIDE', `${source}: "${formatPath(path)}" cannot be set`, { hint: `Unset ${name}.` });
  }
  return checkPath(path, schema, source);
}

/** Checks that every key of `path` exists; suggests the nearest one otherwise. */
function checkPath(path: string[], schema: AnySchema, source: string): string[] {
  if (path[0] === 'plugins') {
    throw new BinfarmError('E_OVERRIDE', `${source}: plugins can only be set in the config file`, {
      hint: 'Plugins are code; list them in the config file, and give them options that read process.env if needed.',
    });
  }
  const at = schemaAt(schema, path);
  if ('missingAt' in at) {
    const bad = path[at.missingAt]!;
    const parentPath = formatPath(path.slice(0, at.missingAt));
    const keys = knownKeys(at.parent);
    const where = at.missingAt === 0 ? 'at the top level' : `under "${parentPath}"`;
    throw new BinfarmError('E_OVERRIDE', `${source}: unknown key "${bad}" ${where}${didYouMean(bad, keys)}`, {
      hint: keys.length ? `Valid keys ${where}: ${keys.join(', ')}.` : `"${parentPath}" takes a single value, not keys below it.`,
    });
  }
  return path;
}

function leafSchema(schema: AnySchema, path: string[]): AnySchema {
  const at = schemaAt(schema, path);
  return 'schema' in at ? at.schema : schema;
}

/** Reads a text value the way the schema at its key wants it. */
export function coerce(raw: string, schema: AnySchema, source: string): unknown {
  const kind = schemaKind(schema);
  const bad = (what: string) =>
    new BinfarmError('E_OVERRIDE', `${source}: "${raw}" is not ${what}`, { hint: `Give ${what}, e.g. ${example(kind, schema)}.` });
  switch (kind) {
    case 'string':
    case 'enum': {
      const json = tryJson(raw);
      const value = typeof json === 'string' ? json : raw;
      const allowed = enumValues(schema);
      if (allowed.length && !allowed.includes(value)) throw bad(`one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
      return value;
    }
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw bad('a boolean (true/false)');
    }
    case 'array': {
      const el = arrayElement(schema)!;
      if (raw.trim().startsWith('[')) {
        const json = tryJson(raw);
        if (!Array.isArray(json)) throw bad('a JSON array');
        return json;
      }
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((item) => coerce(item, el, source));
    }
    default: {
      const json = tryJson(raw);
      if (json !== undefined) return json;
      if (acceptsString(schema) || kind === 'unknown' || kind === 'other') return raw;
      throw bad(kind === 'object' || kind === 'record' ? 'a JSON object' : 'valid JSON');
    }
  }
}

function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function example(kind: string, schema: AnySchema): string {
  switch (kind) {
    case 'number':
      return '4';
    case 'boolean':
      return 'true';
    case 'enum':
      return enumValues(schema)[0] ?? 'x';
    case 'object':
    case 'record':
      return `'{"key":"value"}'`;
    default:
      return 'a value';
  }
}

/**
 * Applies overrides onto a config object without mutating it: objects along each path are
 * copied, everything else (plugin instances, RegExps) is kept by reference.
 */
export function applyOverrides(config: Record<string, unknown>, overrides: readonly Override[]): Record<string, unknown> {
  let out = config;
  // Broader paths first: `--set 'registry={...}'` must not drop BINFARM_REGISTRY__PASSWORD.
  // Among equal depths the given order (environment, then --set) decides, as documented.
  const ordered = overrides.map((o, i) => ({ o, i })).sort((a, b) => a.o.path.length - b.o.path.length || a.i - b.i);
  for (const { o } of ordered) out = setPath(out, o.path, o.value, o.source) as Record<string, unknown>;
  return out;
}

function setPath(target: unknown, path: readonly string[], value: unknown, source: string, depth = 0): unknown {
  if (depth === path.length) return value;
  const key = path[depth]!;
  let container: Record<string, unknown> | unknown[];
  if (target === undefined || target === null) container = /^\d+$/.test(key) ? [] : {};
  else if (Array.isArray(target)) container = [...target];
  else if (typeof target === 'object' && Object.getPrototypeOf(target) === Object.prototype) container = { ...(target as Record<string, unknown>) };
  else {
    throw new BinfarmError(
      'E_OVERRIDE',
      `${source}: cannot set "${formatPath(path)}": "${formatPath(path.slice(0, depth))}" is ${describe(target)} in the config`,
      {
        hint: `Set "${formatPath(path.slice(0, depth))}" as a whole instead (JSON value).`,
      },
    );
  }
  const current = (container as Record<string, unknown>)[key];
  (container as Record<string, unknown>)[key] = setPath(current, path, value, source, depth + 1);
  return container;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `a ${typeof v}`;
}

/** True when `prefix` is a prefix of `path` (or equal). */
export function isPathPrefix(prefix: readonly (string | number)[], path: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

