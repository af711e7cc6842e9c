// `npm run build` (and `npm pack`, through prepack): bundles core/ into dist/, which bin/binfarm.js
// runs instead of the sources when it is up to date (docs/internals/startup.md).
//
// rollup bundles the CLI's entry (core/cli/main.ts → dist/core/cli/main.js) with every module of
// core/ it reaches, statically or through a lazy `import()`, into a few files under dist/chunks/;
// esbuild strips each module's types (without checking them: `npm run typecheck` and CI check the
// types; the build only has to be what the sources say). Few files is what saves start-up time:
// Node's ESM loader pays per file (resolution, a read, a compile, linking, each through promise
// jobs). The npm dependencies stay external: they are loaded from node_modules as before, one
// instance each for binfarm and for a config or plugin that imports them too.
//
// Why rollup (docs/internals/startup.md, "The compiled copy"): esbuild, which bundled alone before,
// makes every lazy import() a chunk boundary and the code shared by several lazy imports a chunk of
// its own, with no way to group them: a no-op run loaded ~95 files. rollup groups modules into
// the chunks `chunkOf` below names (manualChunks).
//
// dist/build-info.json lists the sources and when the build started: bin/binfarm.js runs the
// sources instead as soon as one of them was changed after that, so an old build never answers
// for newer code. The new copy is written beside dist/ and renamed into place.
import { build, transform } from 'esbuild';
import { rollup } from 'rollup';
import { scriptChunks } from './script-chunk.js';
import { copyFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
const tmp = join(root, `dist.tmp-${process.pid}`);
const startedMs = Date.now();

const files = readdirSync(join(root, 'core'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => relative(root, join(e.parentPath, e.name)))
  .sort();
// Files the code reads beside itself (new URL('./job.sh', import.meta.url)).
const assets = files.filter((f) => !f.endsWith('.ts') && !f.endsWith('.md'));
const sources = [...files.filter((f) => f.endsWith('.ts')), ...assets].sort();

// Which chunk a module goes in (rollup's manualChunks), from the import graph (esbuild's metafile):
// - 'cli': what the entry loads statically (the CLI, the command map, the context): all that
//   `binfarm --version` loads;
// - 'core': every other module whose static imports, all the way down, reach only Node's built-ins,
//   commander and tapable, and that `binfarm run` or `binfarm plan` can reach from the entry
//   (statically or lazily): one file, loaded by any command, instead of ~90 on a no-op run's path;
// - 'build': those of them that `run` reaches only through the lazy import of a phase's or an
//   executor's implementation (core/phases/*.ts, core/executor/*.ts): loaded when a subject builds,
//   never by a no-op run or a plan;
// - 'more': the other modules of that kind, which only other commands reach (assemble, init,
//   doctor, verify, ...): one file, so that the one every command loads is about half as large;
// - the rest (modules that import execa, dockerode, zod, cosmiconfig, yaml, tar-stream, ... statically,
//   and what only they import) stays behind its lazy import(), in chunks of rollup's choosing: a
//   command loads those packages only when it uses them, as before.
// A lazy import of a module of 'core' is then answered from memory. That module's top-level code runs
// when 'core' loads rather than at that import: modules of core/ only declare things at their top,
// except core/config/schema/subject.ts (zod: not in 'core') and the reading of job.sh
// (core/executor/swarm/job-script.ts; the file is copied beside the chunk, below).
// ('<runtime>' is esbuild's own helpers.)
const LIGHT_EXTERNAL = (p) => p.startsWith('node:') || builtinModules.includes(p) || ['commander', 'tapable', '<runtime>'].includes(p);
const ENTRY = 'core/cli/main.ts';
// The commands whose modules go in 'core'; the other commands' own modules go in 'more'.
const CORE_COMMANDS = ['run', 'plan'];
const otherCommand = (m) => /^core\/cli\/commands\/[^/]+\.ts$/.test(m) && !['index', ...CORE_COMMANDS].includes(m.slice(18, -3));
// The light plugins whose lazy imports load a phase's or an executor's implementation.
const BUILD_DOOR = (m) => /^core\/(phases|executor)\/[^/]+\.ts$/.test(m);

function chunkOf(inputs) {
  const edges = new Map(); // module → the modules of core/ it imports statically
  const lazyEdges = new Map(); // module → the modules of core/ it imports, statically or lazily
  const heavy = new Set(); // modules importing another package statically
  for (const [m, i] of Object.entries(inputs)) {
    edges.set(m, new Set(i.imports.filter((x) => x.kind === 'import-statement' && !x.external).map((x) => x.path)));
    lazyEdges.set(m, new Set(i.imports.filter((x) => !x.external).map((x) => x.path)));
    if (i.imports.some((x) => x.kind === 'import-statement' && x.external && !LIGHT_EXTERNAL(x.path))) heavy.add(m);
  }
  const closure = (starts, graph = edges, stop = () => false) => {
    const seen = new Set(starts);
    for (const n of seen) for (const d of graph.get(n) ?? []) if (!stop(d)) seen.add(d);
    return seen;
  };
  const cli = closure([ENTRY]);
  const runs = closure([ENTRY], lazyEdges, otherCommand);
  // As runs, but through a build door's static imports only.
  const noBuild = new Map([...lazyEdges].map(([m, to]) => [m, BUILD_DOOR(m) ? edges.get(m) : to]));
  const plans = closure([ENTRY], noBuild, otherCommand);
  const chunk = new Map();
  for (const m of Object.keys(inputs).filter((i) => i.startsWith('core/'))) {
    if (cli.has(m)) chunk.set(m, 'cli');
    else if (![...closure([m])].some((r) => heavy.has(r))) chunk.set(m, plans.has(m) ? 'core' : runs.has(m) ? 'build' : 'more');
  }
  return chunk;
}

// The build's identity goes in after the chunks are named (their hashes are of their contents), so
// that a build of the same sources makes the same files: only the chunk holding
// core/config/code-identity.ts differs, in these 13 characters (the source map's columns stay).
const BUILD_PLACEHOLDER = '@binfarm-bld@';
const buildStamp = {
  name: 'binfarm-build-stamp',
  generateBundle(_options, bundle) {
    const stamp = String(startedMs).padStart(BUILD_PLACEHOLDER.length, '0');
    const holders = Object.values(bundle).filter((o) => o.type === 'chunk' && o.code.includes(BUILD_PLACEHOLDER));
    if (holders.length !== 1) throw new Error(`the build stamp's placeholder is in ${holders.length} chunks, not 1`);
    holders[0].code = holders[0].code.replaceAll(BUILD_PLACEHOLDER, stamp);
  },
};

// Each module of core/ through esbuild's transform: types stripped (tsconfig.json's
// verbatimModuleSyntax: imports stay as written); `keepNames` keeps class and function names as the
// sources spell them (error names, stack traces), although the bundle renames clashing top-level
// names; `__BINFARM_BUILD__` is the build's identity, for the validated-options cache
// (core/config/code-identity.ts).
const typescript = {
  name: 'binfarm-typescript',
  async transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    const out = await transform(code, {
      loader: 'ts',
      format: 'esm',
      target: 'node20.19',
      keepNames: true,
      sourcemap: true,
      sourcefile: relative(root, id),
      define: { __BINFARM_BUILD__: JSON.stringify(BUILD_PLACEHOLDER) },
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
    return { code: out.code, map: out.map };
  },
};

rmSync(tmp, { recursive: true, force: true });
let output;
let chunk;
try {
  // esbuild's metafile gives the import graph (static and lazy imports, as written).
  const graph = await build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  chunk = chunkOf(graph.metafile.inputs);
  const bundle = await rollup({
    input: join(root, ENTRY),
    // Every bare specifier (node:*, npm packages) stays an import.
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
    plugins: [typescript],
    logLevel: 'warn',
    onwarn: (w, warn) => w.code === 'CIRCULAR_DEPENDENCY' || warn(w),
  });
  ({ output } = await bundle.write({
    dir: tmp,
    format: 'es',
    entryFileNames: 'core/cli/[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    manualChunks: (id) => chunk.get(relative(root, id)),
    // After the stamp: the chunks every command loads become scripts run from V8's code cache, each
    // behind an ES module façade (scripts/script-chunk.js); the npm packages they import come through
    // require (commander: cheaper than through the ESM loader).
    plugins: [buildStamp, scriptChunks(['cli', 'core', 'build', 'more'])],
    sourcemap: true,
    // The entry imports its chunk only: rollup would add the chunk's own imports (commander, built-ins)
    // to it, and an ES import of commander would load it before the cli script requires it.
    hoistTransitiveImports: false,
    // rollup merges a chunk under 20 kB into another one when that runs no code a command would not
    // have run before (it checks side effects): a few files fewer among the lazy ones.
    experimentalMinChunkSize: 20_000,
  }));
  await bundle.close();
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`build: bundling failed (${e.message.split('\n')[0]}); dist/ left as it was`);
  process.exit(1);
}
// An asset is read relative to the module that names it, which now lives in the output file
// holding that module: the asset is copied beside every output file holding a module of its folder.
const copies = new Set();
const chunks = output.filter((o) => o.type === 'chunk');
for (const a of assets) {
  for (const c of chunks) {
    if (!c.moduleIds.some((i) => dirname(relative(root, i)) === dirname(a) && i.endsWith('.ts'))) continue;
    const to = join(tmp, dirname(c.fileName), basename(a));
    if (!copies.has(to)) copyFileSync(join(root, a), to);
    copies.add(to);
  }
}
const modules = new Set(chunks.flatMap((c) => c.moduleIds).filter((i) => relative(root, i).startsWith('core/'))).size;
writeFileSync(join(tmp, 'build-info.json'), `${JSON.stringify({ startedMs, sources }, null, 1)}\n`);
rmSync(dist, { recursive: true, force: true });
renameSync(tmp, dist);
// On stderr: `npm pack --json` (which runs this as prepack) prints its JSON on stdout.
console.error(
  `build: ${modules} modules of core/ bundled into ${chunks.length} files in dist/ (${[...chunk.values()].filter((c) => c === 'core').length} in one file for every command, ${copies.size} asset copies) in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
);
