import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** binfarm's own version (package.json), part of every content key and image label; the one place it is read (`--version` too). */
export function binfarmVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
