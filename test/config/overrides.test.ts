import test from 'ava';
import { loadConfig } from '../../core/config/load.ts';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { applyOverrides, parseEnvOverrides, parseKeyPath, parseSetFlag } from '../../core/config/overrides.ts';
import { effectiveLeaves } from '../../core/config/effective.ts';
import { isBinfarmError, type BinfarmError } from '../../core/errors.ts';
import { configTs, makeProject } from './_project.ts';

function error(fn: () => unknown): BinfarmError {
  try {
    fn();
  } catch (e) {
    if (isBinfarmError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

test('key paths: dots, brackets with quotes, indices', (t) => {
  t.deepEqual(parseKeyPath('portage.makeopts'), ['portage', 'makeopts']);
  t.deepEqual(parseKeyPath('portage.files["env/big.conf"]'), ['portage', 'files', 'env/big.conf']);
  t.deepEqual(parseKeyPath("subjects['hep-core'].sets"), ['subjects', 'hep-core', 'sets']);
  t.deepEqual(parseKeyPath('portage.cpuFlagsX86[2]'), ['portage', 'cpuFlagsX86', '2']);
  t.is(error(() => parseKeyPath('a..b')).code, 'E_OVERRIDE');
  t.is(error(() => parseKeyPath('.a')).code, 'E_OVERRIDE');
});

test('--set values are read by the schema type at the key', (t) => {
  const s = (text: string) => parseSetFlag(text, ConfigSchema).value;
  t.is(s('portage.makeopts=-j8'), '-j8'); // string: verbatim
  t.is(s('name=123'), '123'); // a string key keeps digits as text
  t.is(s('run.jobs=4'), 4);
  t.is(s('run.publish=yes'), true);
  t.is(s('run.keepFailed=false'), false);
  t.deepEqual(s('portage.use=X,-gtk, qt6'), ['X', '-gtk', 'qt6']); // comma list
  t.deepEqual(s('portage.use=["a,b","c"]'), ['a,b', 'c']); // JSON array
  t.deepEqual(s('portage.makeConf={"LDFLAGS":"-Wl,-O1"}'), { LDFLAGS: '-Wl,-O1' }); // JSON object
  t.is(s('portage.makeConf.LDFLAGS=-Wl,-O1'), '-Wl,-O1'); // record key verbatim
  t.deepEqual(s('stage3={"type":"local","image":"my/stage3"}'), { type: 'local', image: 'my/stage3' });
  t.is(s('portage.buildType=dbg'), 'dbg');
});

test('bad --set input: unknown keys get the nearest key, wrong types name the expected type', (t) => {
  const unknown = error(() => parseSetFlag('run.jbos=2', ConfigSchema));
  t.is(unknown.code, 'E_OVERRIDE');
  t.is(unknown.message, '--set run.jbos: unknown key "jbos" under "run" (did you mean "jobs"?)');
  t.regex(unknown.hint ?? '', /Valid keys under "run": concurrency, jobs, loadAverage/);
  t.regex(error(() => parseSetFlag('portag.makeopts=1', ConfigSchema)).message, /unknown key "portag" at the top level \(did you mean "portage"\?\)/);
  t.regex(error(() => parseSetFlag('run.jobs=many', ConfigSchema)).message, /"many" is not a number/);
  t.regex(error(() => parseSetFlag('run.publish=maybe', ConfigSchema)).message, /is not a boolean/);
  t.regex(error(() => parseSetFlag('portage.buildType=fast', ConfigSchema)).message, /is not one of "opt", "dbg"/);
  t.regex(error(() => parseSetFlag('run.jobs', ConfigSchema)).message, /expected key=value/);
  t.regex(error(() => parseSetFlag('plugins=[]', ConfigSchema)).message, /plugins can only be set in the config file/);
  t.regex(error(() => parseSetFlag('run.jobs.x=1', ConfigSchema)).message, /unknown key "x" under "run.jobs"/);
});

test('BINFARM_* variables: "__" nests, "_" inside a level is a word break, map keys verbatim', (t) => {
  const o = parseEnvOverrides(
    {
      BINFARM_PORTAGE__MAKEOPTS: '-j8',
      BINFARM_RUN__LOAD_AVERAGE: '3.5',
      BINFARM_PORTAGE__CPU_FLAGS_X86: 'sse,sse2',
      BINFARM_PORTAGE__MAKE_CONF__LDFLAGS: '-Wl,-O1',
      BINFARM_STATE_DIR: '/var/lib/farm',
      BINFARM_CONFIG: 'ignored-here.ts',
      BINFARM_TEST_REGISTRY: 'reserved for tests',
      PATH: '/usr/bin',
    },
    ConfigSchema,
  );
  // sorted by variable name, so the result does not depend on the environment's order
  t.deepEqual(
    o.map((x) => [x.path.join('.'), x.value, x.source]),
    [
      ['portage.cpuFlagsX86', ['sse', 'sse2'], 'env BINFARM_PORTAGE__CPU_FLAGS_X86'],
      ['portage.makeopts', '-j8', 'env BINFARM_PORTAGE__MAKEOPTS'],
      ['portage.makeConf.LDFLAGS', '-Wl,-O1', 'env BINFARM_PORTAGE__MAKE_CONF__LDFLAGS'],
      ['run.loadAverage', 3.5, 'env BINFARM_RUN__LOAD_AVERAGE'],
      ['stateDir', '/var/lib/farm', 'env BINFARM_STATE_DIR'],
    ],
  );
  const typo = error(() => parseEnvOverrides({ BINFARM_RUN__CONCURENCY: '2' }, ConfigSchema));
  t.regex(typo.message, /env BINFARM_RUN__CONCURENCY: there is no config key "run.concurency" \(did you mean "concurrency"\?\)/);
});

test('overrides do not mutate the file config and keep plugin objects by reference', (t) => {
  const plugin = { name: 'p', apply() {} };
  const file = { plugins: [plugin], run: { jobs: 2 } };
  const out = applyOverrides(file, [parseSetFlag('run.jobs=5', ConfigSchema), parseSetFlag('portage.makeopts=-j3', ConfigSchema)]);
  t.deepEqual(file.run, { jobs: 2 });
  t.deepEqual(out.run, { jobs: 5 });
  t.is((out.plugins as unknown[])[0], plugin);
  t.deepEqual(out.portage, { makeopts: '-j3' });
  const bad = error(() => applyOverrides({ stage3: 'x' }, [parseSetFlag('stage3.image=y', ConfigSchema)]));
  t.regex(bad.message, /"stage3" is the string "x" in the config/);
});

test('precedence: --set > env > file > defaults, and `binfarm config` names each source', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ run: { jobs: 2, concurrency: 2 }, portage: { makeopts: '-j2' } }`) });
  const c = await loadConfig({
    cwd: dir,
    command: 'config',
    env: { BINFARM_RUN__JOBS: '3', BINFARM_PORTAGE__MAKEOPTS: '-j3' },
    sets: ['run.jobs=4', 'run.jobs=5'],
  });
  t.is(c.options.run.jobs, 5); // the last --set wins over the first, the env and the file
  t.is(c.options.portage.makeopts, '-j3'); // env over file
  t.is(c.options.run.concurrency, 2); // file over default
  t.is(c.options.run.keepFailed, false); // default
  const sources = Object.fromEntries(effectiveLeaves(c.options, c.fileConfig, c.overrides, ConfigSchema).map((l) => [l.path.join('.'), l.source]));
  t.is(sources['run.jobs'], '--set run.jobs');
  t.is(sources['portage.makeopts'], 'env BINFARM_PORTAGE__MAKEOPTS');
  t.is(sources['run.concurrency'], 'file');
  t.is(sources['run.keepFailed'], 'default');
});

test('an overridden value that fails validation names where it came from', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{}`) });
  const e = await loadConfig({ cwd: dir, command: 'run', env: {}, sets: ['run.jobs=0'] }).then(
    () => undefined,
    (x: unknown) => x as BinfarmError,
  );
  t.is(e?.code, 'E_CONFIG_INVALID');
  t.regex(e?.message ?? '', /✖ run\.jobs: .* \(value from --set run\.jobs\)/);
});

test('a broader --set keeps a deeper environment value (the registry password), and says where each came from', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{}`) });
  const c = await loadConfig({
    cwd: dir,
    command: 'config',
    env: { BINFARM_REGISTRY__PASSWORD: 'hunter2' },
    sets: ['registry={"url":"127.0.0.1:5000/hep","username":"ci"}'],
  });
  t.deepEqual(c.options.registry, { url: '127.0.0.1:5000/hep', username: 'ci', password: 'hunter2', latest: false });
  const sources = Object.fromEntries(effectiveLeaves(c.options, c.fileConfig, c.overrides, ConfigSchema).map((l) => [l.path.join('.'), l.source]));
  t.is(sources['registry.password'], 'env BINFARM_REGISTRY__PASSWORD');
  t.is(sources['registry.url'], '--set registry');
});

test('the password alone (no registry.url) names the variable that created `registry`', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{}`) });
  const e = await loadConfig({ cwd: dir, command: 'run', env: { BINFARM_REGISTRY__PASSWORD: 'hunter2' } }).then(
    () => undefined,
    (x: unknown) => x as BinfarmError,
  );
  t.is(e?.code, 'E_CONFIG_INVALID');
  t.regex(e?.message ?? '', /✖ registry\.url: .*\(registry was created by env BINFARM_REGISTRY__PASSWORD, which sets registry\.password; set registry\.url too, or unset it\)/);
  t.false((e?.message ?? '').includes('hunter2'));
});
