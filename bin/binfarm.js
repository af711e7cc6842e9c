#!/usr/bin/env node
// The binfarm command. binfarm is TypeScript run directly through tsx (no build step); every
// path is resolved from this file's location, so a global install or `npm link` works too.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`binfarm: Node ${process.versions.node} is too old\nhint: install Node 20.19 or newer (https://nodejs.org).\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import(new URL('../core/cli/main.ts', import.meta.url).href);
process.exit(await main(process.argv));
