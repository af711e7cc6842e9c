// The rollup plugin of scripts/build.js that turns the chunks of the light modules (cli, core, more:
// what every command loads) into classic scripts run from V8's code cache (docs/internals/startup.md
// "V8's code cache"). Node 20 has no code cache for ES modules (no module.enableCompileCache);
// node:vm's Script takes one. Compiling the 0.9 MB core chunk was the largest single part of a
// no-op run's loading.
//
// Each chunk's file becomes a façade, an ES module that runs the script (script-chunk-runtime.js,
// copied beside it) and exports what the chunk exported: the other chunks import it as before and
// share its one instance, and what they import lazily stays ES modules. The chunk's ES module is
// kept beside it for runs with source maps (--verbose): Node maps stack traces of ES modules, not
// of vm scripts, so the façade loads that one instead when source maps are on.
//
// A script is the chunk's code through esbuild's CommonJS output inside a function of (exports,
// require, module, __binfarm_url, __binfarm_import, __binfarm_lazy, __binfarm_carry): import.meta.url
// becomes __binfarm_url, each import() __binfarm_import() (found in rollup's syntax tree), the
// built-ins of LAZY_BUILTINS load at their first use, and the packages of CARRIED come with it.
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, posix, sep } from 'node:path';

// Built-ins that cost milliseconds to load (node:https pulls in TLS) and that a run building nothing
// does not use: loaded by a proxy on first use. Only plain `require()`s of named imports qualify (a
// default or namespace import is copied at once by esbuild's helper); any other stays eager.
const LAZY_BUILTINS = ['node:https', 'node:zlib', 'node:child_process'];
// npm packages of many small CommonJS files that every command loads: the script that requires them
// first carries a bundle of each (esbuild), which the runtime registers in require.cache in place
// of loading the files (~10 ms for tapable's 16), so configs and plugins still share the instance.
// Used only when the installed package is the version bundled (scripts/script-chunk-runtime.js).
const CARRIED = ['commander', 'tapable'];
const RUNTIME = 'chunks/script-chunk.js';
const RUNTIME_SOURCE = new URL('./script-chunk-runtime.js', import.meta.url);
const PREFIX = '__binfarm_';

/** Every `import(...)` of an ESTree tree, by its start offset. */
function importExpressions(node, found = []) {
  if (Array.isArray(node)) for (const n of node) importExpressions(n, found);
  else if (node && typeof node.type === 'string') {
    if (node.type === 'ImportExpression') found.push(node.start);
    for (const [k, v] of Object.entries(node)) if (k !== 'type' && v && typeof v === 'object') importExpressions(v, found);
  }
  return found;
}

/** The plugin for the chunks named in `names` (rollup's manualChunks names). */
export function scriptChunks(names) {
  return {
    name: 'binfarm-script-chunk',
    async generateBundle(_options, bundle) {
      const carried = new Set();
      for (const name of names) {
        const chunk = Object.values(bundle).find((o) => o.type === 'chunk' && o.name === name && !o.isEntry);
        if (!chunk) this.error(`no chunk named ${name}`);
        await toScript.call(this, bundle, chunk, carried);
      }
      // An entry whose module went into a chunk is a re-export of that chunk, plus imports rollup adds of
      // the packages that module imports (to keep their order). The scripts require those themselves:
      // as ES imports they would load first, and another way (commander through the ESM loader).
      for (const entry of Object.values(bundle)) {
        if (entry.type === 'chunk' && entry.isEntry && entry.moduleIds.length === 0) entry.code = entry.code.replace(/^import '(?![./])[^']*';\n/gm, '');
      }
      // The runtime the façades import.
      this.emitFile({ type: 'asset', fileName: RUNTIME, source: readFileSync(RUNTIME_SOURCE, 'utf8') });
    },
  };
}

/** The `__binfarm_carry({...})` statement for the packages of CARRIED that `code` requires and no script before carries. */
async function carryStatement(code, carried) {
  const entries = [];
  for (const id of CARRIED) {
    if (carried.has(id) || !code.includes(`require(${JSON.stringify(id)})`)) continue;
    carried.add(id);
    const main = createRequire(import.meta.url).resolve(id);
    const dir = main.slice(0, main.lastIndexOf(`${sep}node_modules${sep}${id}${sep}`) + `${sep}node_modules${sep}${id}${sep}`.length);
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const out = await build({ entryPoints: [main], bundle: true, platform: 'node', format: 'cjs', target: 'node20.19', write: false, logLevel: 'silent' });
    entries.push(`${JSON.stringify(id)}: { version: ${JSON.stringify(version)}, load: function (module, exports, require) {\n${out.outputFiles[0].text}\n} }`);
  }
  return entries.length ? `${PREFIX}carry({ ${entries.join(',\n')} });\n` : '';
}

/** Makes `chunk` a script beside its ES module, and its file the façade (rollup's plugin context as `this`). */
async function toScript(bundle, chunk, carried) {
  const name = chunk.name;
  const clash = chunk.exports.find((e) => e === 'default' || e.startsWith(PREFIX) || !/^[\w$]+$/.test(e));
  if (clash !== undefined) this.error(`the ${name} chunk exports ${clash}, which its façade cannot re-export`);
  const esm = chunk.code.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  const ast = this.parse(esm);
  let code = esm;
  for (const at of importExpressions(ast).sort((a, b) => b - a)) {
    if (code.slice(at, at + 6) !== 'import') this.error(`no import() at offset ${at} of the ${name} chunk`);
    code = `${code.slice(0, at)}${PREFIX}import${code.slice(at + 6)}`;
  }
  const cjs = await transform(code, {
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    define: { 'import.meta.url': `${PREFIX}url` },
    logLevel: 'silent',
  });
  // esbuild warns of an import.meta it cannot map (anything but .url): that would be undefined in the script.
  if (cjs.warnings.length) this.error(`the ${name} chunk as a script: ${cjs.warnings.map((w) => w.text).join('; ')}`);
  const lazy = cjs.code.replace(/^var (import_[\w$]+) = require\("([\w:/]+)"\);$/gm, (line, local, id) =>
    LAZY_BUILTINS.includes(id) ? `var ${local} = ${PREFIX}lazy(${JSON.stringify(id)});` : line,
  );
  // esbuild escapes what is not ASCII in strings and names; what is left is in comments. ASCII lets
  // the runtime read the file as latin1 (no UTF-8 decoding) and hand V8 a one-byte string.
  const ascii = (text) => text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // The carried packages' own code keeps its own mode (sloppy): it runs in a function of its own.
  const carry = await carryStatement(cjs.code, carried);
  const script = `(function (exports, require, module, ${PREFIX}url, ${PREFIX}import, ${PREFIX}lazy, ${PREFIX}carry) {${ascii(carry)}return (function () {'use strict';\n${ascii(lazy)}\n})();\n})`;

  const dir = dirname(chunk.fileName);
  const stem = chunk.fileName.replace(/\.js$/, '');
  // The script's name carries a digest of its text, so a code cache kept beside it is never one of another script.
  const scriptFile = `${stem}.${createHash('sha256').update(script).digest('hex').slice(0, 12)}.script.js`;
  const moduleFile = `${stem}.module.js`;
  const rel = (f) => `./${posix.relative(dir, f)}`;
  this.emitFile({ type: 'asset', fileName: scriptFile, source: script });
  // rollup emits each chunk's source map as an asset of its own: the module copy takes the chunk's, the façade has none.
  delete bundle[`${chunk.fileName}.map`];
  if (chunk.map) {
    chunk.map.file = basename(moduleFile);
    this.emitFile({ type: 'asset', fileName: `${moduleFile}.map`, source: chunk.map.toString() });
  }
  this.emitFile({ type: 'asset', fileName: moduleFile, source: `${esm}//# sourceMappingURL=${basename(moduleFile)}.map\n` });

  // The other chunks the script imports statically are ES modules: the façade imports them and hands them over.
  const deps = chunk.imports.filter((f) => bundle[f]?.type === 'chunk');
  const handed = deps.map((f, i) => `'${rel(f)}': ${PREFIX}chunk${i}`).join(', ');
  chunk.code = [
    `// ${name}: runs ${basename(scriptFile)} from V8's code cache, or ${basename(moduleFile)} when source maps are on (scripts/script-chunk.js).`,
    ...deps.map((f, i) => `import * as ${PREFIX}chunk${i} from '${rel(f)}';`),
    `import { runScriptChunk as ${PREFIX}run } from '${rel(RUNTIME)}';`,
    `export const { ${chunk.exports.join(', ')} } = process.sourceMapsEnabled`,
    `  ? await import('${rel(moduleFile)}')`,
    `  : ${PREFIX}run(new URL('${rel(scriptFile)}', import.meta.url), import.meta.url, { ${handed} }, (specifier) => import(specifier));`,
    '',
  ].join('\n');
  chunk.map = null;
}
