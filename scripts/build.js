// `npm run build` (and `npm pack`, through prepack): compiles core/ to JavaScript in dist/, which
// bin/binfarm.js runs instead of the sources when it is up to date (docs/internals/startup.md).
//
// tsc rewrites the `.ts` in relative import specifiers to `.js` (rewriteRelativeImportExtensions,
// tsconfig.build.json). It emits without type checking (`--noCheck`): `npm run typecheck` and CI
// check the types; the build only has to be what the sources say.
//
// dist/build-info.json lists the compiled sources and when the build started: bin/binfarm.js runs
// the sources instead as soon as one of them was changed after that, so an old build never
// answers for newer code. The new copy is written beside dist/ and renamed into place.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
const tmp = join(root, `dist.tmp-${process.pid}`);
const startedMs = Date.now();

const files = readdirSync(join(root, 'core'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => relative(root, join(e.parentPath, e.name)))
  .sort();
// Files the code reads beside itself (new URL('./job.sh', import.meta.url)) are copied as they are.
const assets = files.filter((f) => !f.endsWith('.ts') && !f.endsWith('.md'));
const sources = [...files.filter((f) => f.endsWith('.ts')), ...assets].sort();

rmSync(tmp, { recursive: true, force: true });
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', tmp], { stdio: ['ignore', 2, 2] });
if (r.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`build: tsc failed (exit ${r.status ?? r.signal}); dist/ left as it was`);
  process.exit(1);
}
for (const a of assets) {
  const to = join(tmp, a);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, a), to);
}
writeFileSync(join(tmp, 'build-info.json'), `${JSON.stringify({ startedMs, sources }, null, 1)}\n`);
rmSync(dist, { recursive: true, force: true });
renameSync(tmp, dist);
// On stderr: `npm pack --json` (which runs this as prepack) prints its JSON on stdout.
console.error(`build: ${sources.length} modules of core/ compiled to dist/ in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
