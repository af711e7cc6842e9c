// `npm run build` (and `npm pack`, through prepack): bundles core/ into dist/, which bin/binfarm.js
// runs instead of the sources when it is up to date (docs/internals/startup.md).
//
// esbuild bundles the CLI's entry (core/cli/main.ts → dist/core/cli/main.js) with every module of
// core/ it reaches, statically or through a lazy `import()`; each lazy import stays lazy (a chunk of
// its own under dist/chunks/, code shared by several in a chunk of its own). One file per chunk
// instead of one per module is what saves start-up time: Node's ESM loader pays per module
// (resolution, a read, a compile, linking). The npm dependencies stay external (`packages:
// 'external'`): they are loaded from node_modules as before, one instance each for binfarm and
// for a config or plugin that imports them too. esbuild strips the types without checking them:
// `npm run typecheck` and CI check the types; the build only has to be what the sources say.
//
// dist/build-info.json lists the sources and when the build started: bin/binfarm.js runs the
// sources instead as soon as one of them was changed after that, so an old build never answers
// for newer code. The new copy is written beside dist/ and renamed into place.
import { build } from 'esbuild';
import { copyFileSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

// Fewer files on a command's path (docs/internals/startup.md, "The compiled copy"): esbuild makes every
// lazy import() a chunk boundary, and Node's ESM loader pays per file. A lazy import of a module
// whose static imports, all the way down, reach only Node's built-ins, commander and tapable (no
// execa, dockerode, zod, cosmiconfig, yaml, ...) is made static for the bundle, so that module
// joins its importer's chunk. The command map (core/cli/commands/index.ts) stays lazy: a command
// loads only its own module; so does an import that would close a cycle (evaluation order).
// ('<runtime>' is esbuild's own helpers, keepNames' __name.)
const LIGHT_EXTERNAL = (p) => p.startsWith('node:') || builtinModules.includes(p) || ['commander', 'tapable', '<runtime>'].includes(p);
const KEEP_LAZY_IN = new Set(['core/cli/commands/index.ts']);

function eagerImports(inputs) {
  const edges = new Map(); // module → Set of modules it loads when it is evaluated (static imports, and eager ones)
  const heavy = new Set(); // modules importing a heavy package statically
  for (const [m, i] of Object.entries(inputs)) {
    edges.set(m, new Set(i.imports.filter((x) => x.kind === 'import-statement' && !x.external).map((x) => x.path)));
    if (i.imports.some((x) => x.kind === 'import-statement' && x.external && !LIGHT_EXTERNAL(x.path))) heavy.add(m);
  }
  const closure = (m) => {
    const seen = new Set([m]);
    for (const n of seen) for (const d of edges.get(n) ?? []) seen.add(d);
    return seen;
  };
  const eager = new Map(); // importer → Set of specifiers (as written) made static
  for (const [m, i] of Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b))) {
    if (KEEP_LAZY_IN.has(m) || !m.startsWith('core/')) continue;
    for (const x of i.imports) {
      if (x.kind !== 'dynamic-import' || x.external || !x.original?.startsWith('.')) continue;
      const reached = closure(x.path);
      if (reached.has(m) || [...reached].some((r) => heavy.has(r))) continue;
      edges.get(m).add(x.path);
      if (!eager.has(m)) eager.set(m, new Set());
      eager.get(m).add(x.original);
    }
  }
  return eager;
}

// Rewrites `import('./x.ts')` into a static `import * as` on the file's first line (line numbers,
// hence the source map's, stay), the call into the already-loaded namespace. Not in comments nor
// in types (`typeof import(...)`).
const eagerPlugin = (eager) => ({
  name: 'eager-imports',
  setup(b) {
    b.onLoad({ filter: /\/core\/.*\.ts$/ }, (args) => {
      const specs = eager.get(relative(root, args.path));
      if (!specs) return undefined;
      let head = '';
      let n = 0;
      const lines = readFileSync(args.path, 'utf8').split('\n');
      for (const [k, line] of lines.entries()) {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue;
        lines[k] = line.replace(/(?<!typeof\s*)import\((['"])([^'"]+)\1\)/g, (call, q, spec) => {
          if (!specs.has(spec)) return call;
          head += `import * as __eager${n} from ${JSON.stringify(spec)}; `;
          return `Promise.resolve(__eager${n++})`;
        });
      }
      return { contents: head + lines.join('\n'), loader: 'ts' };
    });
  },
});

const options = {
  absWorkingDir: root,
  entryPoints: ['core/cli/main.ts'],
  outbase: '.',
  outdir: tmp,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // Class and function names stay what the sources say (error names, stack traces), although
  // the bundle renames top-level symbols that clash between modules.
  keepNames: true,
  // The build's identity, for the validated-options cache (core/config/code-identity.ts).
  define: { __BINFARM_BUILD__: JSON.stringify(String(startedMs)) },
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
};
rmSync(tmp, { recursive: true, force: true });
let result;
let eager;
try {
  // A first pass, not written, gives the import graph.
  eager = eagerImports((await build({ ...options, write: false, sourcemap: false })).metafile.inputs);
  result = await build({ ...options, plugins: [eagerPlugin(eager)] });
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`build: esbuild failed (${e.message.split('\n')[0]}); dist/ left as it was`);
  process.exit(1);
}
// An asset is read relative to the module that names it, which now lives in the output file
// holding that module: the asset is copied beside every output file holding a module of its folder.
const copies = new Set();
for (const a of assets) {
  for (const [out, o] of Object.entries(result.metafile.outputs)) {
    if (!out.endsWith('.js') || !Object.keys(o.inputs).some((i) => dirname(i) === dirname(a) && i.endsWith('.ts'))) continue;
    const to = join(root, dirname(out), basename(a));
    if (!copies.has(to)) copyFileSync(join(root, a), to);
    copies.add(to);
  }
}
const modules = Object.keys(result.metafile.inputs).filter((i) => i.startsWith('core/')).length;
const chunks = Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js')).length;
writeFileSync(join(tmp, 'build-info.json'), `${JSON.stringify({ startedMs, sources }, null, 1)}\n`);
rmSync(dist, { recursive: true, force: true });
renameSync(tmp, dist);
// On stderr: `npm pack --json` (which runs this as prepack) prints its JSON on stdout.
console.error(
  `build: ${modules} modules of core/ bundled into ${chunks} files in dist/ (${[...eager.values()].reduce((n, s) => n + s.size, 0)} lazy imports made static, ${copies.size} asset copies) in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
);
