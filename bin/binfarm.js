#!/usr/bin/env node
// The binfarm command. Every path is resolved from this file's location, so a global install or
// `npm link` works too.
//
// It runs the compiled copy of core/ in dist/ (`npm run build`; `npm pack` makes it) when that is
// there and none of the sources it was compiled from changed since: loading plain JavaScript is
// what keeps a no-op `binfarm run` near a cached `docker build` (docs/internals/startup.md). Otherwise
// it runs the TypeScript sources, loaded by jiti (in-process transform with an on-disk cache)
// rather than by tsx's module hooks: on Node 20 those run on a separate thread and every module
// load is a round trip to it (bench/RESULTS.md). BINFARM_LOADER=tsx runs the sources through tsx
// (the way the test suite runs them), BINFARM_LOADER=jiti through jiti, even when dist/ is there.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`binfarm: Node ${process.versions.node} is too old\nhint: install Node 20.19 or newer (https://nodejs.org).\n`);
  process.exit(1);
}
// Stack traces are printed with --verbose only; source maps cost start-up time otherwise.
const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
const loader = process.env.BINFARM_LOADER;
const root = new URL('../', import.meta.url);

/**
 * dist/'s entry when dist/ holds a build of the current sources. An installed copy (under
 * node_modules) runs its build as it is: nobody edits it, and statting every source costs time.
 * In a checkout a source changed after the build means running the sources; a source missing
 * there is no change.
 */
function compiledEntry() {
  let info;
  try {
    info = JSON.parse(readFileSync(new URL('dist/build-info.json', root), 'utf8'));
  } catch {
    return undefined;
  }
  if (root.pathname.includes('/node_modules/')) return new URL('dist/core/cli/main.js', root);
  // Paths, not a URL per source: parsing ~430 URLs cost as much as the stats.
  const dir = fileURLToPath(root);
  for (const source of info.sources) {
    const st = statSync(dir + source, { throwIfNoEntry: false });
    if (st && st.mtimeMs > info.startedMs) return undefined;
  }
  return new URL('dist/core/cli/main.js', root);
}

const compiled = loader ? undefined : compiledEntry();
const entry = new URL('core/cli/main.ts', root);
let main;
if (compiled) {
  if (verbose) process.setSourceMapsEnabled(true);
  ({ main } = await import(compiled.href));
} else if (loader === 'tsx') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(entry.href));
} else {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, {
    // Plain-JS dependencies load natively (and as the same instances as anywhere else).
    nativeModules: ['zod', 'tapable', 'commander', 'cosmiconfig', 'execa', 'dockerode', 'listr2', 'yaml', 'tar-stream', 'tar-fs'],
    sourceMaps: verbose,
  });
  ({ main } = await jiti.import(entry.pathname));
}
process.exit(await main(process.argv));
