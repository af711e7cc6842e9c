import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * binfarm's package directory (its package.json, docs/ and core/ sources), as a file: URL ending
 * in '/': the first directory above this module that holds a package.json. That is the same
 * directory for the sources (core/util/) and for the compiled copy in dist/ (npm run build).
 */
export const PACKAGE_ROOT_URL: URL = (() => {
  for (let dir = new URL('./', import.meta.url); ;) {
    if (existsSync(new URL('package.json', dir))) return dir;
    const parent = new URL('../', dir);
    if (parent.href === dir.href) throw new Error(`binfarm: no package.json above ${import.meta.url}`);
    dir = parent;
  }
})();

/** binfarm's package directory as a path, without a trailing slash. */
export const PACKAGE_ROOT: string = fileURLToPath(PACKAGE_ROOT_URL).replace(/\/$/, '');
