import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.ts';
import { findJsonConfig, loadJsonConfig } from './find-json.ts';

/**
 * Where a config may live, in the order cosmiconfig tries them in each directory. The
 * code forms come first: they are the documented way to write a farm.
 */
export const SEARCH_PLACES = [
  'binfarm.config.ts',
  'binfarm.config.mts',
  'binfarm.config.cts',
  'binfarm.config.js',
  'binfarm.config.mjs',
  'binfarm.config.cjs',
  '.binfarmrc',
  '.binfarmrc.json',
  '.binfarmrc.yaml',
  '.binfarmrc.yml',
  '.binfarmrc.ts',
  '.binfarmrc.mts',
  '.binfarmrc.cts',
  '.binfarmrc.js',
  '.binfarmrc.mjs',
  '.binfarmrc.cjs',
  '.config/binfarmrc',
  '.config/binfarmrc.json',
  '.config/binfarmrc.yaml',
  '.config/binfarmrc.yml',
  '.config/binfarmrc.ts',
  '.config/binfarmrc.mts',
  '.config/binfarmrc.cts',
  '.config/binfarmrc.js',
  '.config/binfarmrc.mjs',
  '.config/binfarmrc.cjs',
  'package.json',
] as const;

const CODE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

/** The binfarm package directory (for `binfarm/<subpath>` imports). */
const BINFARM_ROOT = PACKAGE_ROOT;

const NATIVE_MODULES = ['zod', 'tapable', 'execa', 'dockerode', 'listr2', 'yaml', 'tar-stream', 'tar-fs', 'commander'];

/**
 * The directories a search visits: from `cwd` up to the first one holding a package.json
 * (the project root; cosmiconfig's `project` strategy), or the filesystem root.
 */
export function searchedDirs(cwd: string): string[] {
  const dirs: string[] = [];
  let dir = resolve(cwd);
  for (;;) {
    dirs.push(dir);
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'package.yaml'))) return dirs;
    const parent = dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

/** Other config candidates next to the one found (ambiguity worth a warning). */
export function siblingConfigs(file: string): string[] {
  const dir = dirname(file);
  const base = file.slice(dir.length + 1);
  return SEARCH_PLACES.filter((p) => p !== base && p !== 'package.json' && existsSync(join(dir, p))).map((p) => join(dir, p));
}

export interface FoundConfig {
  /** Absolute path of the file the config came from. */
  filepath: string;
  /** What the file exported (an object, or a function of { command, env }). */
  config: unknown;
  isEmpty?: boolean;
}

type Explorer = { search(from?: string): Promise<FoundConfig | null>; load(file: string): Promise<FoundConfig | null> };
let explorer: Explorer | undefined;

/**
 * cosmiconfig for discovery, jiti for every code file: TypeScript and local imports work,
 * and `import { defineConfig } from 'binfarm'` resolves to this copy of binfarm even when
 * the user's project has no binfarm in node_modules (the alias). All three are imported lazily,
 * jiti and the public API only when a code file is loaded (a JSON or YAML config needs neither:
 * docs/internals/startup.md).
 */
async function getExplorer(): Promise<Explorer> {
  if (explorer) return explorer;
  const { cosmiconfig } = await import('cosmiconfig');
  const codeLoader = async (filepath: string) => (await codeImporter()).import(filepath, { default: true });
  explorer = cosmiconfig('binfarm', {
    searchStrategy: 'project',
    searchPlaces: [...SEARCH_PLACES],
    loaders: Object.fromEntries(CODE_EXTENSIONS.map((e) => [e, codeLoader])),
    cache: false,
  }) as Explorer;
  return explorer;
}

let jitiInstance: Promise<{ import(id: string, opts: { default: true }): Promise<unknown> }> | undefined;

function codeImporter() {
  jitiInstance ??= (async () => {
    const [{ createJiti }, binfarm] = await Promise.all([import('jiti'), import('../index.ts')]);
    return createJiti(import.meta.url, {
      // `binfarm` is this very module instance (shared classes, no second copy of the core);
      // the alias covers deep imports such as `binfarm/package.json`.
      virtualModules: { binfarm },
      alias: { binfarm: BINFARM_ROOT },
      // Our own ESM dependencies load natively instead of being transpiled by jiti.
      nativeModules: NATIVE_MODULES,
      moduleCache: false,
      // The user's code is compiled, not type-checked; jiti keeps a transform cache on disk.
      fsCache: true,
    });
  })();
  return jitiInstance;
}

/**
 * Searches from `cwd` up to the project root; null when nothing is found. A JSON config is found
 * and read without loading cosmiconfig (find-json.ts), with the same result.
 */
export async function searchConfig(cwd: string): Promise<FoundConfig | null> {
  return findJsonConfig(cwd, SEARCH_PLACES) ?? (await getExplorer()).search(cwd);
}

/** Loads one named file (`--config PATH`). */
export async function loadConfigFile(file: string): Promise<FoundConfig | null> {
  const json = loadJsonConfig(file);
  return json !== undefined ? json : (await getExplorer()).load(file);
}
