/**
 * V8's code cache for the compiled copy's 'core' chunk (scripts/script-chunk-runtime.js,
 * docs/internals/startup.md "V8's code cache"): a script without a cache compiles and writes one;
 * the next compile in a fresh process is served from it (V8 accepts it); a cache V8 rejects or a
 * directory that cannot take one only costs time, the script's result is the same. A package the
 * script carries stands in for the installed one, as the same instance for everyone, only when the
 * versions match.
 */
import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheFileOf, compileScript, runScriptChunk, writeCodeCache } from '../../scripts/script-chunk-runtime.js';

const runtime = fileURLToPath(new URL('../../scripts/script-chunk-runtime.js', import.meta.url));

// The shape scripts/script-chunk.js gives a chunk: a function of (exports, require, module, url, import, lazy).
const SCRIPT = `(function (exports, require, module, __binfarm_url, __binfarm_import, __binfarm_lazy) {'use strict';
var import_dep = require('./dep.js');
var import_node_zlib = __binfarm_lazy('node:zlib');
function twice(n) { return import_dep.base * n * 2; }
module.exports = { twice, url: __binfarm_url, gzip: (s) => (0, import_node_zlib.gzipSync)(s), later: (s) => __binfarm_import(s) };
})`;

/**
 * What a fresh process makes of the script's cache ('missing', 'accepted' or 'rejected', and V8's
 * cachedDataRejected), and the script's answer. In one process V8 answers a second compile of the
 * same text from its own memory and ignores the bytes given: only a fresh process tells.
 */
const inFreshProcess = async (file: string) =>
  (
    await execa(process.execPath, [
      '--input-type=module',
      '-e',
      `import { compileScript } from ${JSON.stringify(pathToFileURL(runtime).href)};
       const { script, cache } = compileScript(${JSON.stringify(file)});
       const module = { exports: {} };
       script.runInThisContext()(module.exports, () => ({ base: 5 }), module, 'file:///x', undefined, () => ({}));
       console.log(cache, script.cachedDataRejected, module.exports.twice(3));`,
    ])
  ).stdout.trim();

test('a script compiles without a cache, writes one, and a fresh process compiles it from that cache', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-script-chunk-')));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'core.script.js');
  writeFileSync(file, SCRIPT);

  const first = compileScript(file);
  t.is(first.cache, 'missing');
  const run = (script: typeof first.script) => {
    const module = { exports: {} as { twice: (n: number) => number } };
    script.runInThisContext()(
      module.exports,
      () => ({ base: 5 }),
      module,
      'file:///x',
      undefined,
      () => ({}),
    );
    return module.exports.twice(3);
  };
  t.is(run(first.script), 30);
  writeCodeCache(first.script, file);
  t.true(existsSync(cacheFileOf(file)));
  t.deepEqual(readdirSync(dir).sort(), ['core.script.js', 'core.script.js.v8-cache'], 'written by rename: no temp file left');

  t.is(await inFreshProcess(file), 'accepted false 30', 'V8 accepted the cache (cachedDataRejected === false)');

  writeFileSync(cacheFileOf(file), Buffer.from('not a code cache, just bytes'));
  t.is(await inFreshProcess(file), 'rejected true 30', 'a rejected cache changes nothing but the time');

  // A cache of another script (V8 checks the text's length, not the text) never meets this one: the
  // build names each script by a digest of its text. Here: another text, another length.
  writeCodeCache(first.script, file);
  writeFileSync(file, SCRIPT.replace('* 2', '* 20'));
  t.is(await inFreshProcess(file), 'rejected true 300');
});

test('the cache is written best effort: a directory that cannot take it leaves the script running as before', (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-script-chunk-')));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'core.script.js');
  writeFileSync(file, SCRIPT);
  const { script } = compileScript(file);
  rmSync(dir, { recursive: true });
  t.notThrows(() => writeCodeCache(script, file));
  t.false(existsSync(cacheFileOf(file)));
});

test('runScriptChunk hands the script the chunks it imports, its URL, import() and lazily loaded built-ins', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-script-chunk-')));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'chunks'));
  const file = join(dir, 'chunks/core.script.js');
  writeFileSync(file, SCRIPT);
  writeFileSync(join(dir, 'chunks/later.js'), 'export const answer = 42;\n');
  const importer = pathToFileURL(join(dir, 'chunks/core.js')).href;
  const m = runScriptChunk(pathToFileURL(file), importer, { './dep.js': { base: 7 } }, (s: string) => import(new URL(s, importer).href)) as {
    twice: (n: number) => number;
    url: string;
    gzip: (s: string) => Buffer;
    later: (s: string) => Promise<{ answer: number }>;
  };
  t.is(m.twice(2), 28);
  t.is(m.url, importer);
  t.is((await import('node:zlib')).gunzipSync(m.gzip('abc')).toString(), 'abc');
  t.is((await m.later('./later.js')).answer, 42);
  t.is(readFileSync(file, 'utf8'), SCRIPT);
});

test('a package the script carries is registered as the installed one would be, and only when its version is the one installed', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-script-chunk-')));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const installed = (name: string, version: string) => {
    mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
    writeFileSync(join(dir, 'node_modules', name, 'index.js'), "exports.from = 'files';\n");
  };
  installed('carried-same', '1.0.0');
  installed('carried-other', '2.0.0');
  mkdirSync(join(dir, 'chunks'));
  const file = join(dir, 'chunks/core.script.js');
  const carried = (name: string) => `${JSON.stringify(name)}: { version: '1.0.0', load: function (module, exports) { exports.from = 'script'; } }`;
  writeFileSync(
    file,
    `(function (exports, require, module, __binfarm_url, __binfarm_import, __binfarm_lazy, __binfarm_carry) {
__binfarm_carry({ ${carried('carried-same')}, ${carried('carried-other')} });
module.exports = { same: require('carried-same'), other: require('carried-other') };
})`,
  );
  const importer = pathToFileURL(join(dir, 'chunks/core.js')).href;
  const m = runScriptChunk(pathToFileURL(file), importer, {}, (s: string) => import(s)) as Record<string, { from: string }>;
  t.is(m.same!.from, 'script', 'the version installed is the one carried: the carried copy');
  t.is(m.other!.from, 'files', 'another version installed: its files');
  // A config or plugin importing the package, by require or import, gets the same instance.
  const req = createRequire(join(dir, 'chunks/core.js'));
  t.is(req('carried-same'), m.same);
  t.is((await import(pathToFileURL(join(dir, 'node_modules/carried-same/index.js')).href)).default, m.same);
  t.is(req('carried-other'), m.other);
});
