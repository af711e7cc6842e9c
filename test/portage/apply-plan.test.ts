import test from 'ava';
import { planApply, PREEXISTING_NAME } from '../../core/portage/apply/plan.ts';
import { ImageState } from '../../core/portage/apply/state.ts';
import { resolveStrategies, strategyChooser } from '../../core/portage/strategy.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { collectOverlayFiles } from '../../core/portage/apply/overlays.ts';
import type { BinfarmError } from '../../core/errors.ts';
import { matchGlob } from '../../core/portage/glob.ts';
import { farmOf, FIXTURES } from './helpers.ts';

const STAGE3_MAKECONF = 'COMMON_FLAGS="-O2 -pipe"\nCFLAGS="${COMMON_FLAGS}"\nCXXFLAGS="${COMMON_FLAGS}"\nFCFLAGS="${COMMON_FLAGS}"\nFFLAGS="${COMMON_FLAGS}"\n\nLC_MESSAGES=C.UTF-8\n';
const stage3State = () =>
  new ImageState([
    ['/etc/portage', { kind: 'dir' }],
    ['/etc/portage/make.conf', { kind: 'file', content: STAGE3_MAKECONF }],
    ['/etc/portage/binrepos.conf', { kind: 'dir' }],
    ['/etc/portage/binrepos.conf/gentoo.conf', { kind: 'file', content: '[gentoo]\nsync-uri = https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64\n' }],
    ['/etc/portage/make.profile', { kind: 'symlink', target: '../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0' }],
  ]);

test('globs of portage.strategies', (t) => {
  t.true(matchGlob('package.use/*', 'package.use/51-hep-core'));
  t.false(matchGlob('package.use/*', 'package.use/a/b'));
  t.true(matchGlob('/var/db/repos/binfarm-local/**', '/var/db/repos/binfarm-local/profiles/repo_name'));
  t.true(matchGlob('**/make.conf', 'make.conf'));
  t.true(matchGlob('env/?.conf', 'env/a.conf'));
  const choose = strategyChooser({ 'package.use/*': 'protect' });
  t.deepEqual(choose('package.use/50-base'), { strategy: 'protect', rule: 'package.use/*' });
  t.deepEqual(choose('make.conf'), { strategy: 'merge', rule: 'make.conf' });
  t.deepEqual(choose('make.conf/00-binfarm.conf'), { strategy: 'overwrite', rule: '**' });
  t.deepEqual(choose('make.profile').strategy, 'profile');
  t.deepEqual(choose('sets/hf-base').strategy, 'overwrite');
});

test('the plan on a stage3: make.conf merged, binrepos removed, profile installed, overlays copied', async (t) => {
  const farm = farmOf({ base: { overlays: ['root.00.d'], sets: { b: { 'app-admin/sudo': {} } } } });
  const { files, model } = await renderSubject(farm, 'base');
  const state = stage3State();
  const overlays = await collectOverlayFiles(FIXTURES, ['root.00.d'], 'base');
  const plan = planApply({
    files,
    overlays,
    state,
    strategies: resolveStrategies(farm),
    choose: strategyChooser({}),
    removeStage3Binrepos: model.removeStage3Binrepos,
  });

  t.true(plan.ops.findIndex((o) => o.op === 'remove' && o.path === '/etc/portage/binrepos.conf/gentoo.conf') === 0, 'the stage3 binrepo goes first');
  t.is(state.get('/etc/portage/binrepos.conf/gentoo.conf'), undefined);
  const makeConf = state.text('/etc/portage/make.conf')!;
  t.true(makeConf.startsWith('COMMON_FLAGS="-O2 -pipe -march=x86-64 -mtune=generic"\nCFLAGS="${COMMON_FLAGS}"'), makeConf);
  t.regex(makeConf, /FEATURES="\$\{FEATURES\} -sandbox/);
  t.deepEqual(state.get('/etc/portage/make.profile'), { kind: 'symlink', target: '../../var/db/repos/binfarm-local/profiles/binfarm/amd64/23.0/opt' });
  t.is(state.text('/var/db/repos/binfarm-local/profiles/repo_name'), 'binfarm-local\n');
  t.is(state.text('/etc/portage/sets/b'), files.get('sets/b'));
  t.is(state.text('/etc/portage/env/no-tmpfs.conf'), '# on-disk build directory for large packages\nPORTAGE_TMPDIR="/var/tmp/portage-ondisk"\n');
  t.true(plan.log.some((l) => l.startsWith('removed /etc/portage/binrepos.conf/gentoo.conf')));
  t.true(plan.log.includes('overlay root.00.d: /etc/portage/env/no-tmpfs.conf'));

  // applying the same plan input to the result changes nothing
  const again = planApply({ files, overlays, state, strategies: resolveStrategies(farm), choose: strategyChooser({}), removeStage3Binrepos: true });
  t.deepEqual(again.ops, [], 'idempotent');
});

test('binrepos are kept when removeStage3Binrepos is off', async (t) => {
  const farm = farmOf({ portage: { removeStage3Binrepos: false } });
  const { files, model } = await renderSubject(farm, 'base');
  const state = stage3State();
  planApply({ files, state, strategies: resolveStrategies(farm), choose: strategyChooser({}), removeStage3Binrepos: model.removeStage3Binrepos });
  t.truthy(state.get('/etc/portage/binrepos.conf/gentoo.conf'));
});

test('a file where binfarm needs a directory becomes one, keeping its content first in order', async (t) => {
  const farm = farmOf({ portage: { makeConfLayout: 'dir' }, base: { sets: { b: { 'app-admin/sudo': { use: ['ldap'] } } } } });
  const { files } = await renderSubject(farm, 'base');
  const state = new ImageState([
    ['/etc/portage/make.conf', { kind: 'file', content: STAGE3_MAKECONF }],
    ['/etc/portage/package.use', { kind: 'file', content: 'sys-apps/man-db -nls\n' }],
  ]);
  const plan = planApply({ files, state, strategies: resolveStrategies(farm), choose: strategyChooser({}), removeStage3Binrepos: true });
  t.is(state.text(`/etc/portage/make.conf/${PREEXISTING_NAME}.conf`), STAGE3_MAKECONF);
  t.is(state.text(`/etc/portage/package.use/${PREEXISTING_NAME}`), 'sys-apps/man-db -nls\n');
  t.truthy(state.text('/etc/portage/make.conf/00-binfarm.conf'));
  t.true([`${PREEXISTING_NAME}.conf`, '00-binfarm.conf'].sort()[0] === `${PREEXISTING_NAME}.conf`, 'the old content is read first');
  t.true(plan.log.some((l) => l.includes('/etc/portage/make.conf was a file: it is now a directory')));
});

test('user strategies: protect for package files, an unknown strategy is named', async (t) => {
  const farm = farmOf({ portage: { strategies: { 'package.use/*': 'protect' } }, base: { sets: { b: { 'app-admin/sudo': { use: ['ldap'] } } } } });
  const { files } = await renderSubject(farm, 'base');
  const state = new ImageState([['/etc/portage/package.use/50-base', { kind: 'file', content: 'old\n' }]]);
  const plan = planApply({
    files,
    state,
    strategies: resolveStrategies(farm),
    choose: strategyChooser(farm.options.portage.strategies),
    removeStage3Binrepos: true,
  });
  t.true(plan.ops.some((o) => o.op === 'rename' && o.to === '/etc/portage/package.use/50-base'));
  t.true(plan.log.some((l) => l.startsWith('etc-update:')));

  const bad = farmOf({ portage: { strategies: { 'sets/*': 'rsync' } } });
  const r = await renderSubject(bad, 'base');
  const e = t.throws(() =>
    planApply({ files: new Map([['sets/x', 'a/b\n'], ...r.files]), state: new ImageState(), strategies: resolveStrategies(bad), choose: strategyChooser(bad.options.portage.strategies), removeStage3Binrepos: true }),
  ) as BinfarmError;
  t.is(e.code, 'E_CONFIG_INVALID');
  t.regex(e.message, /patch strategy "rsync" \(chosen for "sets\/x" by portage.strategies\["sets\/\*"\]\) is not registered/);
  t.regex(e.hint ?? '', /Registered strategies: append, merge, overwrite, profile, protect/);
});

test('a plugin registers its own strategy by name', async (t) => {
  const farm = farmOf({
    portage: { strategies: { 'sets/*': 'upper' } },
    base: { sets: { b: { 'app-admin/sudo': {} } } },
    plugins: [
      {
        name: 'upper-strategy',
        apply(f: import('../../core/farm.ts').Farm) {
          f.hooks.patchStrategies.tap('upper-strategy', (s) => ({
            ...s,
            upper: { name: 'upper', description: 'upper-case', apply: ({ path, content }) => ({ ops: [{ op: 'write', path, content: content.toUpperCase() }], log: ['UP'] }) },
          }));
        },
      },
    ],
  });
  const { files } = await renderSubject(farm, 'base');
  const state = new ImageState();
  planApply({ files, state, strategies: resolveStrategies(farm), choose: strategyChooser(farm.options.portage.strategies), removeStage3Binrepos: true });
  t.regex(state.text('/etc/portage/sets/b')!, /APP-ADMIN\/SUDO/);
});

test('the built-in plugins: the applyPatches phase and the five strategies (one core plugin) are registered', (t) => {
  const farm = farmOf({});
  t.true(farm.hooks.applyPatches.taps.some((tap) => tap.name === 'binfarm:apply-patches'));
  t.deepEqual(Object.keys(resolveStrategies(farm)).sort(), ['append', 'merge', 'overwrite', 'profile', 'protect']);
  t.deepEqual(farm.hooks.patchStrategies.taps.map((tap) => tap.name), ['binfarm:patch-strategies']);
  t.false(farm.plugins.some((p) => p.name.startsWith('patch-')), 'no separate strategy packages');
});

test('rendered keys that escape their directory are refused', (t) => {
  const farm = farmOf({});
  for (const key of ['../shadow', 'env/../../x', '/etc//x', 'a/./b', '']) {
    const e = t.throws(() =>
      planApply({ files: new Map([[key, 'x']]), state: new ImageState(), strategies: resolveStrategies(farm), choose: strategyChooser({}), removeStage3Binrepos: true }),
    ) as BinfarmError;
    t.is(e.code, 'E_PORTAGE_CONFLICT', key);
  }
});
