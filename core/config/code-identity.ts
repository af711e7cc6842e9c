import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { PACKAGE_ROOT } from '../util/package-root.ts';

/** Set by scripts/build.js (esbuild `define`) to the build's start time; absent when the sources run. */
declare const __BINFARM_BUILD__: string | undefined;

let identity: string | undefined;

/**
 * What identifies the code that validates a config: binfarm's version and build (the bundle's
 * build, or when the sources run, the size and mtime of every file under core/, the schema's
 * and everything it reaches), zod's version and Node's. A validated-options cache entry made by
 * other code is never used (core/config/options-cache.ts).
 */
export function codeIdentity(): string {
  identity ??= [binfarmVersion(), typeof __BINFARM_BUILD__ === 'string' ? `build ${__BINFARM_BUILD__}` : sourcesStamp(), zodVersion(), process.version].join(
    '\n',
  );
  return identity;
}

function sourcesStamp(): string {
  const hash = createHash('sha256');
  const core = join(PACKAGE_ROOT, 'core');
  for (const e of readdirSync(core, { recursive: true, withFileTypes: true }).sort((a, b) =>
    `${a.parentPath}/${a.name}`.localeCompare(`${b.parentPath}/${b.name}`),
  )) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const st = statSync(path);
    hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return `sources ${hash.digest('hex')}`;
}

function zodVersion(): string {
  const file = createRequire(import.meta.url).resolve('zod/package.json');
  return `zod ${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
}
