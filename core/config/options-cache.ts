import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '../util/fs.ts';
import { codeIdentity } from './code-identity.ts';
import type { BinfarmOptions } from './schema/index.ts';

/**
 * The validated options of a JSON or YAML config, kept in the farm's state directory so that a
 * command reading an unchanged config does not load zod, build the schema and validate again
 * (docs/internals/startup.md). An entry is used only when its key is this config's: a digest of
 * the config as loaded (the file's data, `$import`s merged), its path and the code that validated
 * it (core/config/code-identity.ts). Validation reads nothing else: the caller does not use the
 * cache when BINFARM_* variables or --set override anything, and a config written in code (which
 * can read the environment or the clock) never uses it. Anything unexpected is a miss.
 */

const FILE = 'config-cache.json';
const FORMAT = 1;
const DATA_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '']);

/** The cache entry's place and key for this config, or undefined when it cannot be cached. */
export interface CacheSlot {
  file: string;
  key: string;
}

export function optionsCacheSlot(
  configFile: string,
  rootDir: string,
  fileConfig: Record<string, unknown>,
  identity: () => string = codeIdentity,
): CacheSlot | undefined {
  if (!DATA_EXTENSIONS.has(extname(configFile)) && basename(configFile) !== 'package.json') return undefined;
  if (!isPlainData(fileConfig)) return undefined;
  // The state directory as the config names it (validation keeps a string as it is); the entry
  // is read and written only when it exists, so that a command never creates it.
  const stateDir = resolve(rootDir, typeof fileConfig.stateDir === 'string' ? fileConfig.stateDir : '.binfarm');
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, identity(), configFile, fileConfig]))
    .digest('hex');
  return { file: join(stateDir, FILE), key };
}

/** The cached options, or undefined (no entry, another key, unreadable or corrupt). */
export function readCachedOptions(slot: CacheSlot): BinfarmOptions | undefined {
  try {
    const entry = JSON.parse(readFileSync(slot.file, 'utf8')) as { key?: unknown; options?: unknown };
    if (entry?.key !== slot.key || typeof entry.options !== 'object' || entry.options === null || Array.isArray(entry.options)) return undefined;
    return entry.options as BinfarmOptions;
  } catch {
    return undefined;
  }
}

/** Keeps the options when they survive JSON unchanged and the state directory exists; never fails the command. */
export async function writeCachedOptions(slot: CacheSlot, options: BinfarmOptions): Promise<void> {
  try {
    if (!existsSync(dirname(slot.file))) return;
    const text = JSON.stringify({ key: slot.key, options });
    if (!isDeepStrictEqual((JSON.parse(text) as { options: unknown }).options, options)) return;
    await writeFileAtomic(slot.file, `${text}\n`);
  } catch {
    // a cache that cannot be written is only a slower next start
  }
}

/** JSON's own values only (what a JSON or YAML file gives, unless YAML made a date or NaN): then the digest is exact. */
function isPlainData(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(isPlainData);
  if (typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(v).length) return false;
  return Object.values(v).every(isPlainData);
}
