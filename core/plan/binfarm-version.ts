import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT_URL } from '../util/package-root.ts';

let cached: string | undefined;

/** binfarm's own version (package.json), part of every content key and image label; the one place it is read (`--version` too). */
export function binfarmVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT_URL), 'utf8')) as { version: string }).version;
  return cached;
}
