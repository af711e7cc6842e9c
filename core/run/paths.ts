import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';

/** `<rootDir>/<stateDir>`: runs, locks, subject state. */
export function resolveStateDir(options: Pick<BinfarmOptions, 'stateDir'>, rootDir: string): string {
  return resolve(rootDir, options.stateDir);
}

/**
 * Cache for squashfs trees and downloads: `cacheDir` from the config (relative to the config
 * file), else `$XDG_CACHE_HOME/binfarm`, else `~/.cache/binfarm`.
 */
export function resolveCacheDir(options: Pick<BinfarmOptions, 'cacheDir'>, rootDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (options.cacheDir) return resolve(rootDir, options.cacheDir);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'binfarm');
  return join(homedir(), '.cache', 'binfarm');
}

/** `<stateDir>/runs/<runId>` */
export function runDirOf(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId);
}
