import type { z } from 'zod';
import { isPathPrefix, type Override } from './overrides.ts';
import { childSchema, knownKeys, schemaKind } from './schema-walk.ts';
import { formatPath } from './format-issues.ts';

/**
 * The effective configuration with the origin of every leaf value (`binfarm config`).
 * A leaf is a scalar, an array, an empty object, or a non-plain value such as a plugin.
 */
export interface EffectiveLeaf {
  path: (string | number)[];
  value: unknown;
  /** `default`, `file`, `env BINFARM_X` or `--set x`. */
  source: string;
  masked: boolean;
}

const SECRET_KEY = /password|passwd|token|secret|auth|credential|private.?key/i;
export const MASK = '********';

export function isSecretKey(key: string | number): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key);
}

/** `https://user:pw@host` → `https://user:********@host`. */
export function maskUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:)[^@/\s]+@/i, `$1${MASK}@`);
}

/**
 * With `schema`, keys the schema knows but the options leave unset (optional keys without a
 * default) are listed too, as `~`, so the output doubles as a list of what can be set.
 */
export function effectiveLeaves(options: object, fileConfig: object, overrides: readonly Override[], schema?: z.ZodType): EffectiveLeaf[] {
  const out: EffectiveLeaf[] = [];
  const walk = (value: unknown, path: (string | number)[], secret: boolean, s: z.ZodType | undefined): void => {
    const unset = s && schemaKind(s) === 'object' ? knownKeys(s).filter((k) => !isPlainObject(value) || !(k in value)) : [];
    // Lists of records (smoke tests, publish targets, overlays) are walked item by item.
    if (Array.isArray(value) && value.length && value.every(isPlainObject)) {
      const item = s && schemaKind(s) === 'array' ? childSchema(s, '0') : undefined;
      value.forEach((v, i) => walk(v, [...path, i], secret, item));
      return;
    }
    if (isPlainObject(value) && Object.keys(value).length + unset.length > 0) {
      // Schema order first (it groups related keys), then anything the schema does not know.
      const order = s && schemaKind(s) === 'object' ? knownKeys(s) : [];
      const keys = [...order.filter((k) => k in value || unset.includes(k)), ...Object.keys(value).filter((k) => !order.includes(k))];
      const entries: Array<[string, unknown]> = keys.map((k) => [k, value[k]]);
      for (const [k, v] of entries) walk(v, [...path, k], secret || isSecretKey(k), s && childSchema(s, k));
      return;
    }
    out.push({ path, value: present(value, secret), source: sourceOf(path, fileConfig, overrides), masked: secret && value !== undefined && value !== '' });
  };
  walk(options, [], false, schema);
  return out;
}

function present(value: unknown, secret: boolean): unknown {
  if (secret && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? maskUrlCredentials(v) : isPlugin(v) ? pluginLabel(v) : v));
  if (isPlugin(value)) return pluginLabel(value);
  if (value instanceof RegExp) return String(value);
  return value;
}

function sourceOf(path: readonly (string | number)[], fileConfig: object, overrides: readonly Override[]): string {
  // The override applied last to this path: overrides are applied broadest path first, then in
  // order (core/config/overrides.ts applyOverrides), so the deepest, then latest, match wins.
  let best: { o: Override; i: number } | undefined;
  overrides.forEach((o, i) => {
    if (!(isPathPrefix(o.path, path) || isPathPrefix(path, o.path))) return;
    if (!best || o.path.length > best.o.path.length || (o.path.length === best.o.path.length && i > best.i)) best = { o, i };
  });
  if (best) return best.o.source;
  return hasPath(fileConfig, path) ? 'file' : 'default';
}

function hasPath(obj: unknown, path: readonly (string | number)[]): boolean {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur !== undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && !isPlugin(v);
}

function isPlugin(v: unknown): v is { name: string; version?: string } {
  return typeof v === 'object' && v !== null && typeof (v as { apply?: unknown }).apply === 'function';
}

function pluginLabel(p: { name?: string; version?: string }): string {
  return `${p.name ?? '(unnamed plugin)'}${p.version ? `@${p.version}` : ''}`;
}

/**
 * Leaves a reader does not need by default: optional fields left unset inside package sets
 * (every atom would list its eight `~` fields). `binfarm config --defaults` keeps them.
 */
export function isNoise(leaf: EffectiveLeaf): boolean {
  return leaf.value === undefined && leaf.source === 'default' && leaf.path.includes('sets') && leaf.path.indexOf('sets') < leaf.path.length - 2;
}

/** Masked, JSON-safe copy of the options (for `binfarm config --json`). */
export function maskedOptions(options: object): unknown {
  const walk = (v: unknown, secret: boolean): unknown => {
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, secret || isSecretKey(k))]));
    if (Array.isArray(v)) return v.map((x) => walk(x, secret));
    return present(v, secret);
  };
  return walk(options, false);
}

/**
 * YAML-like text with the source of each value as a trailing comment:
 *
 * ```
 * portage:
 *   makeopts: -j8              # env BINFARM_PORTAGE__MAKEOPTS
 * ```
 */
export function formatEffective(leaves: readonly EffectiveLeaf[]): string {
  const rows: Array<{ text: string; source?: string }> = [];
  const opened: (string | number)[] = [];
  for (const leaf of leaves) {
    // Open the parent keys this leaf needs that the previous leaf did not.
    let common = 0;
    while (common < opened.length && common < leaf.path.length - 1 && opened[common] === leaf.path[common]) common++;
    opened.length = common;
    for (let d = common; d < leaf.path.length - 1; d++) {
      rows.push({ text: `${'  '.repeat(d)}${key(leaf.path[d]!)}:` });
      opened.push(leaf.path[d]!);
    }
    const depth = leaf.path.length - 1;
    const name = leaf.path.length ? key(leaf.path[depth]!) : formatPath([]);
    rows.push({ text: `${'  '.repeat(Math.max(0, depth))}${name}: ${scalar(leaf.value)}`, source: leaf.source });
  }
  const width = Math.min(60, Math.max(...rows.map((r) => (r.source ? r.text.length : 0))));
  return rows.map((r) => (r.source ? `${r.text.padEnd(width)}  # ${r.source}` : r.text)).join('\n');
}

function key(k: string | number): string {
  if (typeof k === 'number') return `[${k}]`;
  const s = String(k);
  return /^[A-Za-z_][\w.-]*$/.test(s) ? s : JSON.stringify(s);
}

function scalar(v: unknown): string {
  if (v === undefined) return '~';
  if (typeof v === 'string') return /^[\w./+-][\w ./:@+=,-]*$/.test(v) && !/^(true|false|null|~|\d.*)$/.test(v) && !/\s$/.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(scalar).join(', ')}]`;
  if (isPlainObject(v)) return '{}';
  return JSON.stringify(v) ?? String(v);
}
