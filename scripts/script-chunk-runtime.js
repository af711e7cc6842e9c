// Runs the compiled copy's 'core' chunk from V8's code cache (copied to dist/chunks/script-chunk.js by
// scripts/build.js; docs/internals/startup.md "V8's code cache"). Node 20 keeps no code cache for
// ES modules, so the chunk is also built as a classic script, which node:vm compiles with the
// bytes V8 made from it last time instead of parsing and compiling ~0.9 MB again.
//
// The cache is only ever a way to save time: none, an unreadable one or one V8 rejects (another
// Node, other V8 flags, another script) means compiling as without it, and a new one is written
// when the process exits, by temp file and rename, if the directory is writable. V8 checks the
// cache against its own version and flags and the script's length; the script's name carries a
// digest of its text (scripts/script-chunk.js), so a cache never meets another script of that name.
import { accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Where the code cache of the script at `file` is kept. */
export const cacheFileOf = (file) => `${file}.v8-cache`;

/**
 * Compiles the script at `file` (a path) with its code cache when there is one.
 * `cache` says what became of it: 'accepted', 'rejected' or 'missing'.
 */
export function compileScript(file) {
  // The build writes the script in ASCII (esbuild escapes the rest): latin1 makes V8's one-byte string without a UTF-8 decode.
  const source = readFileSync(file, 'latin1');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFileOf(file));
  } catch {
    cachedData = undefined;
  }
  const script = new Script(source, { filename: file, cachedData });
  const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { script, cache };
}

/**
 * Writes the script's code cache beside it. Made after the script ran, it holds the functions
 * compiled since, not only the top level. Best effort: a read-only install keeps running without.
 */
export function writeCodeCache(script, file) {
  const target = cacheFileOf(file);
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    accessSync(dirname(file), constants.W_OK);
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, target);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** The packages scripts carry (by name: version and CommonJS module function), from every script run so far. */
const carried = new Map();

/**
 * A package a script carries (scripts/script-chunk.js), as the module Node would load from its
 * files: registered in require.cache under the file `require(id)` resolves to, so that every later
 * require or import of it (a config, a plugin) gets this instance, as it would have got the one
 * loaded from node_modules. Only when that file is of the version the build bundled; otherwise
 * (or an unusual layout) undefined, and the package loads from its files.
 */
function carriedPackage(id, nodeRequire) {
  const pkg = carried.get(id);
  if (!pkg) return undefined;
  const file = nodeRequire.resolve(id);
  const existing = nodeRequire.cache[file];
  if (existing) return existing.exports;
  const marker = `${sep}node_modules${sep}${id}${sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) return undefined;
  try {
    if (JSON.parse(readFileSync(join(file.slice(0, at + marker.length), 'package.json'), 'utf8')).version !== pkg.version) return undefined;
  } catch {
    return undefined;
  }
  const module = new Module(file);
  module.filename = file;
  nodeRequire.cache[file] = module;
  try {
    pkg.load(module, module.exports, nodeRequire);
  } catch (e) {
    delete nodeRequire.cache[file];
    throw e;
  }
  module.loaded = true;
  return module.exports;
}

/**
 * Runs the chunk's script and returns its exports. The script is a function of
 * (exports, require, module, url, dynamicImport, lazy): `url` stands for the ES module's
 * import.meta.url (the façade's URL: files beside the chunk resolve as before), `dynamicImport` for
 * its import() (a vm script has no module loader of its own; the façade's import() resolves from
 * the same directory), `require` gives the ES modules of other chunks it imports (`chunks`, by
 * specifier) and the npm packages and built-ins, `lazy` a built-in loaded when first used,
 * `carry` takes the packages the script carries before its first require.
 */
export function runScriptChunk(scriptUrl, importerUrl, chunks, dynamicImport) {
  const file = fileURLToPath(scriptUrl);
  const { script, cache } = compileScript(file);
  if (cache !== 'accepted') process.once('exit', () => writeCodeCache(script, file));
  const nodeRequire = createRequire(importerUrl);
  const require = (id) => (Object.hasOwn(chunks, id) ? chunks[id] : (carriedPackage(id, nodeRequire) ?? nodeRequire(id)));
  const carry = (packages) => {
    for (const [id, pkg] of Object.entries(packages)) if (!carried.has(id)) carried.set(id, pkg);
  };
  const lazy = (id) => {
    let loaded;
    return new Proxy({}, { get: (_, key) => (loaded ??= nodeRequire(id))[key] });
  };
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, importerUrl, dynamicImport, lazy, carry);
  return module.exports;
}
