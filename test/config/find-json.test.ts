/**
 * The direct lookup of JSON configs (core/config/find-json.ts) against cosmiconfig itself, with
 * binfarm's search places: where it answers, the answer is cosmiconfig's; where it cannot be sure
 * it leaves the search to cosmiconfig. And a JSON config is loaded without cosmiconfig.
 */
import test from 'ava';
import { cosmiconfig } from 'cosmiconfig';
import { execa } from 'execa';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEARCH_PLACES } from '../../core/config/discover.ts';
import { findJsonConfig, loadJsonConfig } from '../../core/config/find-json.ts';
import { makeProject } from './_project.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// Code files are binfarm's own loader (jiti); none is reached in the cases compared here.
const noCode = () => {
  throw new Error('a code config was not expected here');
};
const loaders = Object.fromEntries(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].map((e) => [e, noCode]));
const explorer = cosmiconfig('binfarm', { searchStrategy: 'project', searchPlaces: [...SEARCH_PLACES], loaders, cache: false });
const pkg = (extra: Record<string, unknown>) => JSON.stringify({ name: 'p', private: true, ...extra });

const answered: Array<[string, Record<string, string>, string]> = [
  ['a .binfarmrc.json', { '.binfarmrc.json': '{ "name": "rc" }' }, ''],
  ['from a subdirectory', { '.binfarmrc.json': '{ "name": "rc" }', 'a/b/.keep': '' }, 'a/b'],
  ['.config/binfarmrc.json', { '.config/binfarmrc.json': '{ "name": "dot-config" }' }, ''],
  ['package.json#binfarm', { 'package.json': pkg({ binfarm: { name: 'pkg' } }) }, ''],
  ['an empty .binfarmrc.json is passed over', { '.binfarmrc.json': ' \n', '.config/binfarmrc.json': '{ "name": "next" }' }, ''],
  ['.binfarmrc.json before package.json#binfarm', { '.binfarmrc.json': '{ "name": "rc" }', 'package.json': pkg({ binfarm: { name: 'pkg' } }) }, ''],
];

for (const [what, files, from] of answered) {
  test(`answers like cosmiconfig: ${what}`, async (t) => {
    const dir = makeProject(t, files, { packageJson: !('package.json' in files) });
    const cwd = join(dir, from);
    const found = findJsonConfig(cwd, SEARCH_PLACES);
    t.not(found, undefined, 'answered without cosmiconfig');
    t.deepEqual(found, await explorer.search(cwd));
  });
}

const leftToCosmiconfig: Array<[string, Record<string, string>]> = [
  ['a code config comes first', { 'binfarm.config.js': 'export default { name: "js" };\n', '.binfarmrc.json': '{ "name": "rc" }' }],
  ['a YAML config', { '.binfarmrc.yaml': 'name: yaml\n' }],
  ['an extensionless .binfarmrc', { '.binfarmrc': '{ "name": "plain" }' }],
  ['JSON that does not parse (cosmiconfig words the error)', { '.binfarmrc.json': '{ "name": ' }],
  ['JSON that is not an object', { '.binfarmrc.json': '[1]' }],
  ['a $import key', { '.binfarmrc.json': '{ "$import": "./base.json" }', 'base.json': '{ "name": "base" }' }],
  ['nothing found (a package.json without the binfarm key is no config)', {}],
];

for (const [what, files] of leftToCosmiconfig) {
  test(`leaves the search to cosmiconfig: ${what}`, (t) => {
    const dir = makeProject(t, files);
    t.is(findJsonConfig(dir, SEARCH_PLACES), undefined);
  });
}

test('--config with a JSON file or a package.json: what cosmiconfig loads', async (t) => {
  const dir = makeProject(t, { 'farm.json': '{ "name": "explicit" }', 'empty.json': '', 'other/package.json': pkg({}) });
  for (const f of ['farm.json', 'empty.json', 'other/package.json']) t.deepEqual(loadJsonConfig(join(dir, f)), await explorer.load(join(dir, f)), f);
  t.is(loadJsonConfig(join(dir, 'package.json')), null, "a package.json without binfarm's key holds no config");
});

/** Which config binfarm loaded from a fresh process started in `cwd`, and whether cosmiconfig was loaded for it. */
async function loadInChild(cwd: string): Promise<{ name: string; cosmiconfig: boolean }> {
  const script = [
    `import { createRequire } from 'node:module';`,
    `const { loadConfig } = await import(${JSON.stringify(join(repo, 'core/config/load.ts'))});`,
    `const c = await loadConfig({ cwd: process.cwd(), command: 'plan', env: {} });`,
    `const cache = Object.keys(createRequire(import.meta.url)('node:module')._cache);`,
    `console.log(JSON.stringify({ name: c.options.name, cosmiconfig: cache.some((k) => k.includes('/node_modules/cosmiconfig/')) }));`,
  ].join('\n');
  const r = await execa(process.execPath, [`--import=${import.meta.resolve('tsx')}`, '--input-type=module', '-e', script], { cwd, env: { NODE_OPTIONS: '' } });
  return JSON.parse(r.stdout) as { name: string; cosmiconfig: boolean };
}

test('a JSON config loads without cosmiconfig; a meta config in the working directory still goes through it', async (t) => {
  const plain = makeProject(t, { '.binfarmrc.json': '{ "name": "plain-json" }' });
  t.deepEqual(await loadInChild(plain), { name: 'plain-json', cosmiconfig: false });
  const meta = makeProject(t, { '.binfarmrc.json': '{ "name": "meta-json" }', 'package.json': pkg({ cosmiconfig: { searchPlaces: [] } }) });
  t.deepEqual(await loadInChild(meta), { name: 'meta-json', cosmiconfig: true });
  const yaml = makeProject(t, { '.binfarmrc.yaml': 'name: from-yaml\n' });
  t.deepEqual(await loadInChild(yaml), { name: 'from-yaml', cosmiconfig: true });
});
