import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/load.ts';
import { exitCodeFor, isBinfarmError, type BinfarmError } from '../../core/errors.ts';
import { configTs, makeProject } from './_project.ts';

const env = {}; // no BINFARM_* overrides from the outer environment

async function loadError(p: Promise<unknown>): Promise<BinfarmError> {
  try {
    await p;
  } catch (e) {
    if (isBinfarmError(e)) return e;
    throw e;
  }
  throw new Error('expected loadConfig to fail');
}

test('discovers the config from a subdirectory; rootDir is the config directory', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ name: 'found' }`), 'a/b/c/.keep': '' });
  const c = await loadConfig({ cwd: join(dir, 'a/b/c'), command: 'plan', env });
  t.is(c.configFile, join(dir, 'binfarm.config.ts'));
  t.is(c.rootDir, dir);
  t.is(c.options.name, 'found');
  // defaults are applied
  t.is(c.options.run.concurrency, 1);
  t.is(c.options.stateDir, '.binfarm');
});

test('discovery stops at the project root (the nearest package.json) and says where it looked', async (t) => {
  const outer = makeProject(t, { 'binfarm.config.ts': configTs(`{ name: 'outer' }`), 'inner/package.json': '{}', 'inner/x/.keep': '' });
  const e = await loadError(loadConfig({ cwd: join(outer, 'inner/x'), command: 'run', env }));
  t.is(e.code, 'E_CONFIG_NOT_FOUND');
  t.is(exitCodeFor(e), 2);
  t.true(e.message.includes(join(outer, 'inner/x')));
  t.true(e.message.includes(join(outer, 'inner')));
  t.false(e.message.includes(`  ${outer}\n`), 'must not search above the project root');
  t.regex(e.hint ?? '', /binfarm init/);
});

test('a TypeScript config may import local TS modules (extensionless), use enums and satisfies', async (t) => {
  const dir = makeProject(t, {
    'binfarm.config.ts': configTs(
      `{ name: farmName, run: { jobs: Jobs.Many }, portage: { makeopts: \`-j\${Jobs.Many}\` }, subjects } satisfies import('binfarm').BinfarmConfig`,
      `import { farmName, Jobs } from './lib/names';\nimport { subjects } from './lib/subjects.ts';`,
    ),
    'lib/names.ts': `export const farmName: string = 'ts-farm';\nexport enum Jobs { Few = 1, Many = 6 }\n`,
    'lib/subjects.ts': `import { defineSubject } from 'binfarm';\nexport const subjects = { tools: defineSubject({ sets: { tools: { 'app-misc/jq': {} } } }) };\n`,
  });
  const c = await loadConfig({ cwd: dir, command: 'plan', env });
  t.is(c.options.name, 'ts-farm');
  t.is(c.options.run.jobs, 6);
  t.is(c.options.portage.makeopts, '-j6');
  t.deepEqual(Object.keys(c.options.subjects.tools?.sets ?? {}), ['tools']);
});

test('`binfarm` inside a config is this very module (shared classes, no second copy)', async (t) => {
  const dir = makeProject(t, {
    'binfarm.config.ts': `import * as api from 'binfarm';\nexport default { name: 'x', plugins: [{ name: 'probe', apply() {}, api }] };\n`,
  });
  const core = await import('../../core/index.ts');
  const c = await loadConfig({ cwd: dir, command: 'plan', env });
  const probe = c.options.plugins[0] as { api: typeof core };
  t.is(probe.api.BinfarmError, core.BinfarmError);
  t.is(probe.api.defineConfig, core.defineConfig);
});

test('a function config is called with { command, env }, and may be async', async (t) => {
  const dir = makeProject(t, {
    'binfarm.config.ts': `import { defineConfig } from 'binfarm';
export default defineConfig(async ({ command, env }) => {
  await new Promise((r) => setTimeout(r, 5));
  return { name: \`\${command}-\${env.FARM_FLAVOUR}\`, run: { concurrency: command === 'run' ? 3 : 1 } };
});
`,
  });
  const c = await loadConfig({ cwd: dir, command: 'run', env: { FARM_FLAVOUR: 'blue' } });
  t.is(c.options.name, 'run-blue');
  t.is(c.options.run.concurrency, 3);
  const p = await loadConfig({ cwd: dir, command: 'plan', env: { FARM_FLAVOUR: 'red' } });
  t.is(p.options.name, 'plan-red');
});

test('a syntax error names file:line:column and shows the line', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': `export default {\n  name: 'x',\n  run: { jobs: 2 +* },\n};\n` });
  const e = await loadError(loadConfig({ cwd: dir, command: 'run', env }));
  t.is(e.code, 'E_CONFIG_SYNTAX');
  t.is(exitCodeFor(e), 2);
  t.regex(e.message, /binfarm\.config\.ts:3:19: syntax error/);
  t.true(e.message.includes('> 3 |   run: { jobs: 2 +* },'));
  t.deepEqual([e.details?.line, e.details?.column], [3, 19]);
});

test('a YAML rc file with a syntax error names line and column', async (t) => {
  const dir = makeProject(t, { '.binfarmrc.yaml': 'name: x\nrun:\n  jobs: [1, 2\n' });
  const e = await loadError(loadConfig({ cwd: dir, command: 'run', env }));
  t.is(e.code, 'E_CONFIG_SYNTAX');
  t.regex(e.message, /\.binfarmrc\.yaml:\d+:\d+: syntax error/);
});

test('JSON rc files and package.json#binfarm are found too', async (t) => {
  const rc = makeProject(t, { '.binfarmrc.json': '{ "name": "from-rc" }' });
  t.is((await loadConfig({ cwd: rc, command: 'plan', env })).options.name, 'from-rc');
  const pkg = makeProject(t, {}, { packageJson: false });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'p', binfarm: { name: 'from-package-json' } }));
  const c = await loadConfig({ cwd: pkg, command: 'plan', env });
  t.is(c.options.name, 'from-package-json');
  t.is(c.configFile, join(pkg, 'package.json'));
});

test('--config skips discovery; a missing path is E_CONFIG_NOT_FOUND naming it', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ name: 'discovered' }`), 'other/farm.ts': configTs(`{ name: 'explicit' }`) });
  t.is((await loadConfig({ cwd: dir, configFile: 'other/farm.ts', command: 'plan', env })).options.name, 'explicit');
  t.is((await loadConfig({ cwd: dir, command: 'plan', env: { BINFARM_CONFIG: 'other/farm.ts' } })).options.name, 'explicit');
  const e = await loadError(loadConfig({ cwd: dir, configFile: 'nope.ts', command: 'plan', env }));
  t.is(e.code, 'E_CONFIG_NOT_FOUND');
  t.true(e.message.includes(join(dir, 'nope.ts')));
});

test('every validation problem is listed with its key path and the file; typos get the nearest key', async (t) => {
  const dir = makeProject(t, {
    'binfarm.config.ts': `export default {
  nmae: 'x',
  run: { concurency: 2, jobs: 'many' },
  portage: { makeOpts: '-j2', buildType: 'fast' },
  subjects: { 'Bad Name': {}, ok: { sets: { s: { 'dev-libs/x': { use: 'abc' } } } } },
};
`,
  });
  const e = await loadError(loadConfig({ cwd: dir, command: 'run', env }));
  t.is(e.code, 'E_CONFIG_INVALID');
  t.is(exitCodeFor(e), 2);
  const m = e.message;
  t.regex(m, /binfarm\.config\.ts: invalid configuration \(7 problems\):\n/);
  t.true(m.includes('✖ nmae: unknown key "nmae" (did you mean "name"?)'));
  t.true(m.includes('✖ run.concurency: unknown key "concurency" (did you mean "concurrency"?)'));
  t.true(m.includes('✖ portage.makeOpts: unknown key "makeOpts" (did you mean "makeopts"?)'));
  t.true(m.includes('✖ run.jobs: expected number, received string'));
  t.regex(m, /✖ portage\.buildType: .*"opt"\|"dbg"/);
  t.regex(m, /✖ subjects\["Bad Name"\]: invalid key: subject names use lower-case/);
  t.true(m.includes('✖ subjects.ok.sets.s["dev-libs/x"].use: expected array, received string'));
});

test('a plugin entry that is not { name, apply } is named by its position', async (t) => {
  const factory = makeProject(t, {
    'binfarm.config.ts': `const hep = () => ({ name: 'hep', apply() {} });
export default { plugins: [hep(), [false, hep]] };
`,
  });
  const e = await loadError(loadConfig({ cwd: factory, command: 'run', env }));
  t.is(e.code, 'E_PLUGIN_INVALID');
  t.is(exitCodeFor(e), 2);
  t.regex(e.message, /binfarm\.config\.ts: plugins\[1\]\[1\] is not a plugin: it is the function hep/);
  t.regex(e.hint ?? '', /hep\(\) instead of hep/);

  const shape = makeProject(t, { 'binfarm.config.ts': `export default { plugins: [null, { nme: 'x', apply() {} }, { name: 'y' }] };\n` });
  const e2 = await loadError(loadConfig({ cwd: shape, command: 'run', env }));
  t.regex(e2.message, /plugins\[1\] is not a plugin: it has no name/);
});

test('an import of a plugin package that is not installed gives the npm install command', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ plugins: [hep()] }`, `import hep from '@binfarm/plugin-does-not-exist';`) });
  const e = await loadError(loadConfig({ cwd: dir, command: 'run', env }));
  t.is(e.code, 'E_PLUGIN_NOT_INSTALLED');
  t.is(exitCodeFor(e), 2);
  t.regex(e.message, /imports the plugin package "@binfarm\/plugin-does-not-exist", which is not installed/);
  t.true((e.hint ?? '').includes('npm install @binfarm/plugin-does-not-exist'));
});

test('an unlinked workspace plugin is recognised: the hint says to run npm install', async (t) => {
  const dir = makeProject(t, {
    'binfarm.config.ts': configTs(`{ plugins: [g()] }`, `import g from 'binfarm-plugin-group/sub';`),
    'plugins/group/package.json': '{ "name": "binfarm-plugin-group" }',
  });
  const e = await loadError(loadConfig({ cwd: dir, command: 'run', env }));
  t.is(e.code, 'E_PLUGIN_NOT_INSTALLED');
  t.regex(e.hint ?? '', /workspace package in .*plugins\/group; run `npm install`/);
});

test('a missing relative import is E_CONFIG_LOAD naming the import', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ name: x }`, `import { x } from './lib/missing';`) });
  const e = await loadError(loadConfig({ cwd: dir, command: 'run', env }));
  t.is(e.code, 'E_CONFIG_LOAD');
  t.regex(e.message, /imports "\.\/lib\/missing", which does not exist/);
});

test('a config that throws, or exports no object, is reported with the file name', async (t) => {
  const throws = makeProject(t, { 'binfarm.config.ts': `const x: any = undefined;\nexport default { name: x.oops };\n` });
  const e1 = await loadError(loadConfig({ cwd: throws, command: 'run', env }));
  t.is(e1.code, 'E_CONFIG_LOAD');
  t.regex(e1.message, /binfarm\.config\.ts failed while loading: .*oops/);
  const arr = makeProject(t, { 'binfarm.config.ts': `export default [1, 2];\n` });
  const e2 = await loadError(loadConfig({ cwd: arr, command: 'run', env }));
  t.is(e2.code, 'E_CONFIG_INVALID');
  t.regex(e2.message, /must export a config object .* but produced an array/);
  const fnThrows = makeProject(t, { 'binfarm.config.ts': `export default () => { throw new Error('no farm today'); };\n` });
  const e3 = await loadError(loadConfig({ cwd: fnThrows, command: 'run', env }));
  t.regex(e3.message, /no farm today/);
});

test('two config files in one directory: the first is used, the other named in a warning', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ name: 'ts' }`), '.binfarmrc.json': '{ "name": "rc" }' });
  mkdirSync(join(dir, 'sub'));
  const c = await loadConfig({ cwd: join(dir, 'sub'), command: 'plan', env });
  t.is(c.options.name, 'ts');
  t.is(c.warnings.length, 1);
  t.regex(c.warnings[0]!, /also found .*\.binfarmrc\.json \(ignored\)/);
});
