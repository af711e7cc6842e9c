/**
 * The validated-options cache (core/config/options-cache.ts): a JSON or YAML config validated
 * once is served from the state directory without zod, with the same options; anything that
 * could change the result (the config's data, the code that validated it, an override) misses,
 * and a broken entry is ignored.
 */
import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeIdentity } from '../../core/config/code-identity.ts';
import { loadConfig } from '../../core/config/load.ts';
import { optionsCacheSlot, readCachedOptions } from '../../core/config/options-cache.ts';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { validateConfig } from '../../core/config/validate.ts';
import { createFarm } from '../../core/farm.ts';
import { binfarmVersion } from '../../core/plan/binfarm-version.ts';
import { makeProject } from './_project.ts';

const config = {
  imagePrefix: 'cache-test',
  stateDir: 'state',
  base: { sets: { base: { 'app-misc/hello': { use: ['nls'] }, 'app-misc/bare': null } } },
  subjects: { app: { sets: { app: { 'app-misc/jq': {} } }, smoke: [{ name: 'jq', cmd: ['jq', '--version'] }] } },
  run: { jobs: 2 },
};
const cacheFile = (dir: string) => join(dir, 'state', 'config-cache.json');
const load = (dir: string, sets?: string[], env: NodeJS.ProcessEnv = {}) => loadConfig({ cwd: dir, command: 'run', env, ...(sets ? { sets } : {}) });
/** The entry with its options changed but its key kept: a load that returns the change was served from the cache. */
function tamper(dir: string, name: string): void {
  const entry = JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as { key: string; options: { name: string } };
  entry.options.name = name;
  writeFileSync(cacheFile(dir), JSON.stringify(entry));
}
function project(t: Parameters<typeof makeProject>[0], files: Record<string, string> = { '.binfarmrc.json': JSON.stringify(config) }): string {
  const dir = makeProject(t, files);
  mkdirSync(join(dir, 'state'));
  return dir;
}

test('a hit gives the options validation gives, and is used', async (t) => {
  const dir = project(t);
  const first = await load(dir);
  t.true(existsSync(cacheFile(dir)), 'written after validation');
  const hit = await load(dir);
  t.deepEqual(hit.options, first.options);
  t.deepEqual(hit.options, validateConfig(config, { file: 'x' }));
  t.deepEqual(hit.fileConfig, first.fileConfig);
  t.deepEqual(hit.overrides, []);
  tamper(dir, 'from-the-cache');
  t.is((await load(dir)).options.name, 'from-the-cache');
});

test('a farm on cached options has the subjects the schema gives', async (t) => {
  const dir = project(t);
  await load(dir);
  const hit = await load(dir);
  const fromCache = createFarm({ options: hit.options, rootDir: dir }).subjects();
  // options not from loadConfig: every subject is checked with the subject schema again
  const checked = createFarm({ options: ConfigSchema.parse(config), rootDir: dir }).subjects();
  t.deepEqual([...fromCache], [...checked]);
});

test('a YAML config is cached too', async (t) => {
  const dir = project(t, { '.binfarmrc.yaml': 'imagePrefix: yaml-test\nstateDir: state\nrun:\n  jobs: 3\n' });
  const first = await load(dir);
  t.true(existsSync(cacheFile(dir)));
  t.deepEqual((await load(dir)).options, first.options);
  t.is(first.options.run.jobs, 3);
});

test('a changed config misses', async (t) => {
  const dir = project(t);
  await load(dir);
  tamper(dir, 'stale');
  writeFileSync(join(dir, '.binfarmrc.json'), JSON.stringify({ ...config, run: { jobs: 5 } }));
  const changed = await load(dir);
  t.is(changed.options.name, 'binfarm');
  t.is(changed.options.run.jobs, 5);
  t.deepEqual((await load(dir)).options, changed.options, 'the new entry replaced the old');
});

test('another binfarm (version or build) misses', async (t) => {
  const dir = project(t);
  await load(dir);
  const file = join(dir, '.binfarmrc.json');
  const fileConfig = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const slot = optionsCacheSlot(file, dir, fileConfig)!;
  t.truthy(readCachedOptions(slot), 'this code finds its entry');
  const other = optionsCacheSlot(file, dir, fileConfig, () => codeIdentity().replace(binfarmVersion(), '0.0.0-other'))!;
  t.is(other.file, slot.file);
  t.not(other.key, slot.key);
  t.is(readCachedOptions(other), undefined);
  t.true(codeIdentity().startsWith(`${binfarmVersion()}\n`));
});

test('a corrupt or foreign cache file is ignored and replaced', async (t) => {
  const dir = project(t);
  const first = await load(dir);
  for (const junk of ['{ not json', '[]', 'null', JSON.stringify({ key: 'x', options: {} }), '']) {
    writeFileSync(cacheFile(dir), junk);
    t.deepEqual((await load(dir)).options, first.options, junk);
  }
  t.deepEqual((await load(dir)).options, first.options);
  t.is(JSON.parse(readFileSync(cacheFile(dir), 'utf8')).options.imagePrefix, 'cache-test');
});

test('overrides (--set, BINFARM_*) are validated, never served from the cache', async (t) => {
  const dir = project(t);
  await load(dir);
  tamper(dir, 'from-the-cache');
  const set = await load(dir, ['run.jobs=4']);
  t.is(set.options.name, 'binfarm');
  t.is(set.options.run.jobs, 4);
  await t.throwsAsync(load(dir, ['run.jobs=-1']), { code: 'E_CONFIG_INVALID' } as never);
  const env = await load(dir, undefined, { BINFARM_RUN__JOBS: '6' });
  t.is(env.options.name, 'binfarm');
  t.is(env.options.run.jobs, 6);
  t.is((await load(dir)).options.name, 'from-the-cache', 'the entry of the config alone stays');
});

test('nothing is written without a state directory, and code configs are not cached', async (t) => {
  const dir = makeProject(t, { '.binfarmrc.json': JSON.stringify(config) });
  await load(dir);
  t.false(existsSync(join(dir, 'state')));
  t.is(optionsCacheSlot(join(dir, 'binfarm.config.ts'), dir, config), undefined);
  t.is(optionsCacheSlot(join(dir, '.binfarmrc.yaml'), dir, { when: new Date(0) }), undefined, 'a YAML date is not JSON');
  t.truthy(optionsCacheSlot(join(dir, 'package.json'), dir, config));
});

test('a process served from the cache never loads the config schema', async (t) => {
  const dir = project(t);
  await load(dir);
  // A fresh process (this one has loaded the schema): load, create and check the farm as `binfarm run` does.
  const script = `
    const { loadConfig } = await import(${JSON.stringify(new URL('../../core/config/load.ts', import.meta.url).href)});
    const { createFarm } = await import(${JSON.stringify(new URL('../../core/farm.ts', import.meta.url).href)});
    const { validateFarm } = await import(${JSON.stringify(new URL('../../core/config/validate-farm.ts', import.meta.url).href)});
    const { subjectSchemas } = await import(${JSON.stringify(new URL('../../core/subject/spec-check.ts', import.meta.url).href)});
    const c = await loadConfig({ cwd: ${JSON.stringify(dir)}, command: 'run', env: {} });
    const farm = createFarm({ options: c.options, rootDir: c.rootDir });
    await validateFarm(farm);
    console.log(JSON.stringify({ subjects: [...farm.subjects().keys()], schemaLoaded: subjectSchemas() !== undefined }));
  `;
  const r = await execa('node', ['--import=tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  t.deepEqual(JSON.parse(r.stdout), { subjects: ['base', 'app'], schemaLoaded: false });
});
