#!/usr/bin/env node
// The binfarm command: binfarm's TypeScript runs directly, without a build step. Every path is
// resolved from this file's location, so a global install or `npm link` works too.
//
// The TypeScript is loaded by jiti (in-process transform with an on-disk cache) rather than by
// tsx's module hooks: on Node 20 those hooks run on a separate thread and every module load is
// a round trip to it, which doubled the start-up of `binfarm plan` (bench/RESULTS.md).
// BINFARM_LOADER=tsx switches back to tsx (same code, the way the test suite runs it).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`binfarm: Node ${process.versions.node} is too old\nhint: install Node 20.19 or newer (https://nodejs.org).\n`);
  process.exit(1);
}
const entry = new URL('../core/cli/main.ts', import.meta.url);
let main;
if (process.env.BINFARM_LOADER === 'tsx') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(entry.href));
} else {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, {
    // Plain-JS dependencies load natively (and as the same instances as anywhere else).
    nativeModules: ['zod', 'tapable', 'commander', 'cosmiconfig', 'execa', 'dockerode', 'listr2', 'yaml', 'tar-stream', 'tar-fs'],
    // Stack traces are printed with --verbose only; source maps cost start-up time otherwise.
    sourceMaps: process.argv.includes('--verbose') || process.argv.includes('-v'),
  });
  ({ main } = await jiti.import(entry.pathname));
}
process.exit(await main(process.argv));
