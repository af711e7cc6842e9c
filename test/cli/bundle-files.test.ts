/**
 * The compiled copy's chunks (scripts/build.js, docs/internals/startup.md "The compiled copy"):
 * Node's ESM loader pays per file, so a command loads few of binfarm's files: `--version` the
 * entry's chunk only, `plan` of a JSON farm the light modules' one file and a few lazy ones besides. The build runs
 * in a copy of the package (its dist/ is the copy's), and a module `load` hook lists what the
 * command loads. Files the code reads beside a module (job.sh) sit beside the chunk holding it.
 * The chunk every command but --version loads runs from V8's code cache (scripts/script-chunk.js):
 * the first command writes the cache, the next is served from it; --verbose (source maps) loads
 * that chunk's ES module instead.
 */
import test from 'ava';
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { removeImages } from '../assemble/_env.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('BINFARM_')));

test('a command loads few of the compiled files: --version the entry chunk, plan of a JSON farm a few more, the phases only a building run; job.sh beside its chunk', async (t) => {
  t.timeout(3 * 60_000);
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-bundle-files-')));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const root = join(tmp, 'binfarm');
  for (const p of ['package.json', 'bin', 'core', 'scripts']) cpSync(join(repo, p), join(root, p), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  await execa(process.execPath, ['scripts/build.js'], { cwd: root, env, extendEnv: false });

  const list = join(tmp, 'loaded.txt');
  writeFileSync(
    join(tmp, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(${JSON.stringify(list)}, url + '\\n'); return next(url, ctx); }\n`,
  );
  writeFileSync(
    join(tmp, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(tmp, 'hooks.mjs')).href)});\n`,
  );
  const distUrl = pathToFileURL(join(root, 'dist')).href + '/';
  const loaded = async (args: string[], cwd: string) => {
    writeFileSync(list, '');
    const r = await execa(process.execPath, [`--import=${join(tmp, 'register.mjs')}`, join(root, 'bin/binfarm.js'), ...args], { cwd, env, extendEnv: false });
    return {
      stdout: r.stdout,
      dist: readFileSync(list, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith(distUrl)),
    };
  };

  const version = await loaded(['--version'], tmp);
  t.regex(version.stdout, /^\d+\.\d+\.\d+/);
  // The entry, the cli chunk's façade and the runtime that runs its script (scripts/script-chunk-runtime.js).
  t.true(version.dist.length <= 3, `--version loads the entry and its chunk only:\n${version.dist.join('\n')}`);
  t.false(
    version.dist.some((u) => /\/chunks\/core-/.test(u)),
    'not the chunk of the commands',
  );

  const farm = join(tmp, 'farm');
  mkdirSync(join(farm, 'tree/profiles'), { recursive: true });
  writeFileSync(join(farm, 'tree/profiles/repo_name'), 'gentoo\n');
  writeFileSync(
    join(farm, '.binfarmrc.json'),
    JSON.stringify({
      imagePrefix: 'binfarm-test-bundle-files',
      stage3: { type: 'local', image: 'binfarm-test-bundle-files/stage3:none' },
      tree: { type: 'dir', path: 'tree' },
      base: { sets: { base: { 'app-misc/hello': {} } } },
      subjects: { app: { sets: { app: { 'app-misc/jq': {} } } } },
    }),
  );
  // A state directory: the first plan keeps the validated options, the second is served from them
  // (core/config/options-cache.ts), as a farm's every plan after its first is.
  mkdirSync(join(farm, '.binfarm'));
  t.regex((await loaded(['plan'], farm)).stdout, /app/);
  const plan = await loaded(['plan'], farm);
  t.regex(plan.stdout, /app/);
  // esbuild's chunks made it 70 (a chunk per lazy import and per set of lazy imports sharing code).
  t.true(plan.dist.length <= 8, `plan of a JSON farm loads a few files:\n${plan.dist.join('\n')}`);

  const chunks = join(root, 'dist/chunks');
  const scripts = readdirSync(chunks).filter((f) => f.endsWith('.script.js'));
  t.deepEqual(scripts.map((f) => f.replace(/-.*/, '')).sort(), ['build', 'cli', 'core', 'more'], 'the chunks of the light modules are scripts');
  t.false(
    plan.dist.some((u) => /\/chunks\/more-/.test(u)),
    'plan does not load the light modules of the other commands',
  );
  t.false(
    plan.dist.some((u) => /\/chunks\/build-/.test(u)),
    "plan does not load the implementations of the phases (a building subject's)",
  );
  const loadedScripts = scripts.filter((f) => !f.startsWith('more-') && !f.startsWith('build-'));
  const caches = loadedScripts.map((f) => join(chunks, `${f}.v8-cache`));
  for (const cache of caches) t.true(existsSync(cache), `the first plan wrote ${cache}`);
  const written = caches.map((cache) => statSync(cache).mtimeMs);
  await loaded(['plan'], farm);
  t.deepEqual(
    caches.map((cache) => statSync(cache).mtimeMs),
    written,
    'the next plans used them (a rejected or missing cache is written again)',
  );
  const check = await execa(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { compileScript } from './script-chunk.js'; for (const f of ${JSON.stringify(loadedScripts)}) console.log(compileScript(f).cache);`,
    ],
    { cwd: chunks, env, extendEnv: false },
  );
  t.deepEqual(check.stdout.split('\n'), ['accepted', 'accepted'], 'V8 accepts the caches in a fresh process');
  const verbose = await loaded(['--verbose', 'plan'], farm);
  t.true(
    verbose.dist.some((u) => u.endsWith('.module.js')),
    `with source maps on, the chunk's ES module runs (Node maps its stack traces):\n${verbose.dist.join('\n')}`,
  );
  t.false(plan.dist.some((u) => u.endsWith('.module.js')));

  const readers = readdirSync(chunks).filter((f) => f.endsWith('.js') && readFileSync(join(chunks, f), 'utf8').includes('./job.sh'));
  t.true(readers.length > 0, 'the module reading job.sh is in a chunk');
  for (const f of readers) t.true(existsSync(join(chunks, 'job.sh')), `job.sh beside ${f}`);

  // A run that builds takes the phases' implementations from their own chunk ('build'); the no-op run after it does not.
  const stage3 = await emergeFixtureImage();
  const prefix = `binfarm-test-bundle-build-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const building = join(tmp, 'building');
  for (const p of ['tree/profiles', 'tree/app-misc/hello', 'tree/app-misc/jq']) mkdirSync(join(building, p), { recursive: true });
  writeFileSync(join(building, 'tree/profiles/repo_name'), 'gentoo\n');
  writeFileSync(
    join(building, '.binfarmrc.json'),
    JSON.stringify({
      imagePrefix: prefix,
      stage3: { type: 'local', image: stage3 },
      tree: { type: 'dir', path: 'tree' },
      mount: { strategy: 'bind' },
      base: { sets: { base: { 'app-misc/hello': {} } } },
      subjects: { app: { sets: { app: { 'app-misc/jq': {} } } } },
      binhost: { dir: 'binhost' },
    }),
  );
  const build = await loaded(['run'], building);
  t.true(
    build.dist.some((u) => /\/chunks\/build-/.test(u)),
    `a building run loads the chunk of the phases' implementations:\n${build.dist.join('\n')}`,
  );
  const noop = await loaded(['run'], building);
  t.regex(noop.stdout, /0 built, 2 skipped, 0 failed/);
  t.false(
    noop.dist.some((u) => /\/chunks\/build-/.test(u)),
    'a no-op run does not',
  );
});
