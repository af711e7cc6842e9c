/**
 * The repository's own farm content: binfarm.config.ts, the base and HEP overlays, the smoke
 * context the layers' smoke tests run.
 */
import test from 'ava';
import { execa } from 'execa';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/load.ts';
import { createFarm } from '../../core/farm.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { DBG_ENV_FILES } from '../../core/portage/build-settings.ts';
import { CONTEXT_MOUNT, hep, NO_TMPFS_CONF, PLUGIN_VERSION } from '@binfarm/plugin-hep';
import { REPO_ROOT, linesUnder } from './_farm.ts';

const read = (rel: string) => readFile(join(REPO_ROOT, rel), 'utf8');
const settingLines = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));

test('binfarm.config.ts loads: base + smoke + HEP, opt by default, smoke as the default target', async (t) => {
  const loaded = await loadConfig({ cwd: REPO_ROOT, command: 'plan', env: {} });
  t.is(loaded.rootDir, REPO_ROOT.replace(/\/$/, ''));
  const o = loaded.options;
  t.deepEqual(o.targets, ['smoke']);
  t.is(o.portage.buildType, 'opt');
  t.deepEqual(o.stage3, { type: 'registry', image: 'gentoo/stage3:amd64-openrc' });
  t.like(o.tree, { type: 'image', image: 'gentoo/portage:latest' });
  const farm = createFarm({ options: o, rootDir: loaded.rootDir, configFile: loaded.configFile, command: 'plan' });
  t.deepEqual([...farm.subjects().keys()].sort(), ['analysis', 'base', 'dev-tools', 'hep-core', 'hep-root', 'mc-gen', 'mc-sim', 'serving', 'smoke']);
  const base = farm.subject('base');
  const hfBase = Object.keys(base.sets['hf-base']!);
  t.false(hfBase.includes('app-portage/layman'), 'layman is gone from ::gentoo');
  t.true(hfBase.includes('app-eselect/eselect-repository'));
  t.deepEqual(base.overlays, ['root.00.d']);
  for (const name of ['hep-core', 'hep-root']) {
    t.deepEqual(farm.subject(name).overlays, ['root.01.d']);
    t.is(farm.subject(name).context, 'context.01.d');
  }
});

test('dbg through --set: the same config renders the debug build type', async (t) => {
  const loaded = await loadConfig({ cwd: REPO_ROOT, command: 'plan', env: {}, sets: ['portage.buildType=dbg'] });
  t.is(loaded.options.portage.buildType, 'dbg');
  const farm = createFarm({ options: loaded.options, rootDir: loaded.rootDir, command: 'plan' });
  const { files } = await renderSubject(farm, 'hep-root');
  const profile = [...files].find(([p]) => p.endsWith('/dbg/make.defaults'));
  t.truthy(profile, `a dbg profile is rendered (${[...files.keys()].filter((p) => p.includes('profiles')).join(', ')})`);
  t.regex(profile![1], /splitdebug/);
});

test('every subject of the repository config renders, env files included', async (t) => {
  const loaded = await loadConfig({ cwd: REPO_ROOT, command: 'plan', env: {} });
  const farm = createFarm({ options: loaded.options, rootDir: loaded.rootDir, command: 'plan' });
  for (const name of farm.subjects().keys()) {
    const { files } = await renderSubject(farm, name);
    t.true(files.size > 0, name);
    if (name !== 'base' && name !== 'smoke') t.is(files.get('env/no-tmpfs.conf'), NO_TMPFS_CONF, name);
  }
  const smoke = linesUnder((await renderSubject(farm, 'smoke')).files, 'package.use');
  t.true(smoke.includes('app-misc/hello nls'));
});

test('root.00.d env files: no-tmpfs.conf is the plugin\'s, debugsyms/installsources match the dbg env files binfarm renders', async (t) => {
  t.is(await read('root.00.d/etc/portage/env/no-tmpfs.conf'), NO_TMPFS_CONF);
  t.regex(NO_TMPFS_CONF, /^PORTAGE_TMPDIR="\/var\/tmp\/portage-ondisk"$/m);
  for (const name of ['debugsyms.conf', 'installsources.conf']) {
    t.deepEqual(settingLines(await read(`root.00.d/etc/portage/env/${name}`)), settingLines(DBG_ENV_FILES[name]!), name);
  }
});

test('both overlays ship the on-disk build directory Portage needs for no-tmpfs.conf', async (t) => {
  for (const overlay of ['root.00.d', 'root.01.d']) {
    t.true((await stat(join(REPO_ROOT, overlay, 'var/tmp/portage-ondisk/.keep'))).isFile(), overlay);
  }
});

test('every context file a smoke test runs exists in context.01.d', async (t) => {
  const subjects = hep({ variant: 'graphics', science: true }).resolution.subjects;
  let n = 0;
  for (const [name, spec] of Object.entries(subjects)) {
    for (const smoke of spec.smoke ?? []) {
      for (const arg of smoke.cmd.filter((a) => a.startsWith(`${CONTEXT_MOUNT}/`))) {
        const local = join(REPO_ROOT, 'context.01.d', arg.slice(CONTEXT_MOUNT.length + 1));
        await t.notThrowsAsync(stat(local), `${name} / ${smoke.name}: ${local}`);
        n++;
      }
    }
  }
  t.true(n >= 5, `${n} context files referenced`);
  // a ROOT macro's function is named after its file
  for (const macro of ['hello', 'vmc_check']) t.regex(await read(`context.01.d/smoke/${macro}.C`), new RegExp(`void ${macro}\\(\\)`));
});

test('root.01.d/etc/profile.d/hep.sh is valid sh and quiet without ROOT or Geant4', async (t) => {
  const r = await execa('sh', ['-euc', `. ${join(REPO_ROOT, 'root.01.d/etc/profile.d/hep.sh')}; echo "ROOTSYS=\${ROOTSYS:-unset}"`], {
    env: { PATH: '/usr/bin:/bin' },
    extendEnv: false,
  });
  t.is(r.stdout, 'ROOTSYS=unset');
  t.is(r.stderr, '');
});

test('geant4-check.sh passes when every data set is installed and names the missing one otherwise', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'binfarm-g4-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'bin'));
  await copyFile(join(REPO_ROOT, 'test/hep/fixtures/geant4-config.fixture.sh'), join(dir, 'bin/geant4-config'));
  await chmod(join(dir, 'bin/geant4-config'), 0o755);
  for (const d of ['G4NDL4.7.1', 'G4EMLOW8.6.1', 'G4ENSDFSTATE3.0']) await mkdir(join(dir, 'data', d), { recursive: true });
  const run = () =>
    execa('/bin/sh', [join(REPO_ROOT, 'context.01.d/smoke/geant4-check.sh')], {
      env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FIXTURE_G4_DATA: join(dir, 'data') },
      extendEnv: false,
      reject: false,
    });
  const ok = await run();
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(ok.stdout, 'geant4-data-ok Geant4 11.3.2, 3 data sets');
  await rm(join(dir, 'data/G4EMLOW8.6.1'), { recursive: true });
  const bad = await run();
  t.not(bad.exitCode, 0);
  t.regex(bad.stderr, /data set G4EMLOW \(G4LEDATA\) is missing: .*G4EMLOW8\.6\.1/);
  t.notRegex(bad.stdout, /geant4-data-ok/);
});

test('the plugin version matches its package.json (it is part of every content key)', async (t) => {
  const pkg = JSON.parse(await read('plugins/hep/package.json'));
  t.is(pkg.name, '@binfarm/plugin-hep');
  t.is(pkg.version, PLUGIN_VERSION);
  t.is(hep().version, pkg.version);
});
