import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config/load.ts';
import { createFarm } from '../../core/farm.ts';
import { imagePrefixFor, initFarm } from '../../core/init/scaffold.ts';
import { detectBinfarmDependency } from '../../core/init/binfarm-source.ts';
import { isBinfarmError } from '../../core/errors.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function tempDir(t: import('ava').ExecutionContext, under = tmpdir()): string {
  const d = mkdtempSync(join(under, 'binfarm-init-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('a new farm without any plugin installed: the config loads, validates and defines the smoke subject', async (t) => {
  const dir = join(tempDir(t), 'lab-farm');
  const r = initFarm({ dir, version: '0.1.0' });
  t.false(r.smokePlugin, '@binfarm/plugin-smoke does not resolve from a directory outside any project');
  t.deepEqual(r.files, ['binfarm.config.ts', 'package.json', 'tsconfig.json', '.gitignore']);
  const c = await loadConfig({ cwd: dir, command: 'plan', env: {} });
  t.is(c.options.name, 'lab-farm');
  t.is(c.options.imagePrefix, 'lab-farm');
  t.deepEqual(c.options.targets, ['smoke']);
  const farm = createFarm({ options: c.options, rootDir: c.rootDir, configFile: c.configFile, command: 'plan' });
  t.deepEqual([...farm.subjects().keys()], ['base', 'smoke']);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; type: string };
  t.is(pkg.type, 'module');
  // Run from this clone: the dependency is the clone itself (binfarm is not on the npm registry).
  t.deepEqual(r.dependency, { spec: `file:${realpathSync(repo).replace(/\/$/, '')}`, from: 'clone' });
  t.is(pkg.dependencies.binfarm, r.dependency.spec);
});

test('inside a project where @binfarm/plugin-smoke resolves, the config uses the plugin', async (t) => {
  const dir = join(tempDir(t, join(repo, 'test')), 'farm'); // resolves from the repository's node_modules
  const r = initFarm({ dir, version: '0.1.0' });
  t.true(r.smokePlugin);
  t.regex(readFileSync(join(dir, 'binfarm.config.ts'), 'utf8'), /import \{ smoke \} from '@binfarm\/plugin-smoke';/);
  const c = await loadConfig({ cwd: dir, command: 'plan', env: {} });
  const farm = createFarm({ options: c.options, rootDir: c.rootDir, command: 'plan' });
  t.is(farm.subject('smoke').contributedBy, 'smoke');
});

test('--plugin: the group plugin package loads once linked (as npm install does) and its own test passes', async (t) => {
  const dir = join(tempDir(t), 'physics-farm');
  initFarm({ dir, version: '0.1.0', plugin: 'detector-sim' });
  // what `npm install` does for the workspace and the dependencies
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(dir, 'plugins/detector-sim'), join(dir, 'node_modules/binfarm-plugin-detector-sim'));
  symlinkSync(repo, join(dir, 'node_modules/binfarm'));
  symlinkSync(join(repo, 'node_modules/tsx'), join(dir, 'node_modules/tsx'));
  symlinkSync(join(repo, 'node_modules/ava'), join(dir, 'node_modules/ava'));
  mkdirSync(join(dir, 'node_modules/.bin'));
  symlinkSync('../ava/entrypoints/cli.mjs', join(dir, 'node_modules/.bin/ava'));

  const c = await loadConfig({ cwd: dir, command: 'plan', env: {} });
  t.deepEqual(c.options.targets, ['smoke', 'detector-sim']);
  const farm = createFarm({ options: c.options, rootDir: c.rootDir, command: 'plan' });
  t.is(farm.subject('detector-sim').parent, 'base');
  t.deepEqual(Object.keys(farm.subject('detector-sim').sets), ['detector-sim']);

  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { test: string }; workspaces: string[]; ava: Record<string, unknown> };
  t.deepEqual(pkg.workspaces, ['plugins/*']);
  // The plugin's tests run under binfarm's own runner and settings (only the test files differ).
  const own = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { ava: Record<string, unknown> }).ava;
  t.is(pkg.scripts.test, 'ava');
  t.deepEqual(pkg.ava, { ...own, files: ['plugins/*/test/**/*.test.ts'] });
  const r = await execa('npm', ['test'], { cwd: dir, reject: false, env: { ...process.env, NODE_OPTIONS: '' }, all: true });
  t.is(r.exitCode, 0, String(r.all));
  t.regex(String(r.all), /2 tests passed/);
});

test('init refuses to overwrite, lists every existing file, and writes nothing', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'package.json'), '{"name":"mine"}');
  mkdirSync(join(dir, 'plugins/g'), { recursive: true });
  writeFileSync(join(dir, 'plugins/g/index.ts'), '// mine');
  const e = t.throws(() => initFarm({ dir, version: '0.1.0', plugin: 'g' }));
  t.true(isBinfarmError(e));
  t.regex(e!.message, /would overwrite 2 existing files/);
  t.regex(e!.message, /^ {2}package\.json$/m);
  t.regex(e!.message, /^ {2}plugins\/g\/index\.ts$/m);
  t.false(existsSync(join(dir, 'binfarm.config.ts')));
  t.is(readFileSync(join(dir, 'package.json'), 'utf8'), '{"name":"mine"}');
});

test('names: invalid farm or plugin names are usage errors', (t) => {
  const dir = tempDir(t);
  t.regex(t.throws(() => initFarm({ dir, version: '0.1.0', plugin: 'Bad Name' }))!.message, /"Bad Name" cannot be a plugin name/);
  t.regex(t.throws(() => initFarm({ dir, version: '0.1.0', name: '-x' }))!.message, /"-x" cannot be a farm name/);
});

test('the binfarm dependency: the tarball npm recorded, a registry range, else the installed copy; --binfarm wins', (t) => {
  const project = tempDir(t);
  const root = join(project, 'node_modules', 'binfarm');
  mkdirSync(root, { recursive: true });
  t.deepEqual(detectBinfarmDependency('0.1.0', root), { spec: `file:${root}`, from: 'installed' }, 'no lockfile (a global install)');

  const lock = (resolved: string) =>
    writeFileSync(join(project, 'node_modules', '.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/binfarm': { version: '0.1.0', resolved } } }));
  writeFileSync(join(project, 'binfarm-0.1.0.tgz'), '');
  lock('file:binfarm-0.1.0.tgz');
  t.deepEqual(detectBinfarmDependency('0.1.0', root), { spec: `file:${join(project, 'binfarm-0.1.0.tgz')}`, from: 'tarball' });
  lock('file:gone/binfarm-0.1.0.tgz');
  t.is(detectBinfarmDependency('0.1.0', root).from, 'installed', 'a tarball that is gone cannot be installed again');
  lock('https://registry.npmjs.org/binfarm/-/binfarm-0.1.0.tgz');
  t.deepEqual(detectBinfarmDependency('0.1.0', root), { spec: '^0.1.0', from: 'registry' });

  const dir = join(project, 'farm');
  const r = initFarm({ dir, version: '0.1.0', binfarm: 'file:/opt/binfarm.tgz' });
  t.deepEqual(r.dependency, { spec: 'file:/opt/binfarm.tgz', from: 'given' });
  t.is((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.binfarm, 'file:/opt/binfarm.tgz');
});

test('imagePrefix: the farm name made a valid Docker path component', (t) => {
  t.is(imagePrefixFor('lab-farm'), 'lab-farm');
  t.is(imagePrefixFor('a..b'), 'a-b');
  t.is(imagePrefixFor('a__b'), 'a__b');
  t.is(imagePrefixFor('a--b'), 'a--b');
  t.is(imagePrefixFor('farm-'), 'farm');
  t.is(imagePrefixFor('...'), 'binfarm');
});
