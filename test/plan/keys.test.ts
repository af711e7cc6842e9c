/**
 * Keys hash what changes the built files, and nothing else (issue 9, cases 6 and 7): tuning
 * knobs rebuild nothing, a plugin counts only for the subjects it contributed to, keyInputs
 * taps can only add, and `plan --explain` names the variable or line that changed.
 */
import test from 'ava';
import type { BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { applyOverrides, parseSetFlag } from '../../core/config/overrides.ts';
import type { Farm } from '../../core/farm.ts';
import { fileInputs } from '../../core/plan/file-inputs.ts';
import { planRun } from '../../core/plan/plan.ts';
import { sha256 } from '../../core/util/hash.ts';
import { formatPlan } from '../../core/plan/print.ts';
import { readSubjectState, writeSubjectState } from '../../core/plan/state.ts';
import { resolveStateDir } from '../../core/run/paths.ts';
import { dagConfig, makeFarm, recordBuild } from './helpers.ts';

type Plan = Awaited<ReturnType<typeof planRun>>;
const actions = (plan: Plan) => Object.fromEntries(plan.order.map((p) => [p.subject.name, p.action]));
const ALL_SKIP = { base: 'skip', 'hep-core': 'skip', 'mc-sim': 'skip', analysis: 'skip' };
const subjectPlan = (plan: Plan, name: string) => plan.order.find((p) => p.subject.name === name)!;

/** `binfarm ... --set a=b --set c=d` applied to a config, as core/config/load.ts does. */
function withSets(config: BinfarmConfigInput, ...sets: string[]): BinfarmConfigInput {
  return applyOverrides(config as Record<string, unknown>, sets.map((s) => parseSetFlag(s, ConfigSchema))) as BinfarmConfigInput;
}

/** Records a build of the whole DAG with `config`; returns the root dir for later farms. */
async function builtDag(config: BinfarmConfigInput): Promise<{ rootDir: string; keys: Record<string, string> }> {
  const farm = makeFarm(config);
  const base = await recordBuild(farm, 'base', null);
  const core = await recordBuild(farm, 'hep-core', base);
  const analysis = await recordBuild(farm, 'analysis', core);
  const mc = await recordBuild(farm, 'mc-sim', base);
  return { rootDir: farm.rootDir, keys: { base, 'hep-core': core, analysis, 'mc-sim': mc } };
}

test('tuning knobs leave every subject up to date: MAKEOPTS, run.jobs, FEATURES and emerge options, mirrors, binhosts', async (t) => {
  const config = dagConfig({ portage: { makeConf: { EMERGE_DEFAULT_OPTS: '--with-bdeps=y' } } });
  const { rootDir, keys } = await builtDag(config);
  const before = await planRun(makeFarm(config, rootDir), [], { offline: true });
  const tuned = withSets(
    config,
    'portage.makeopts=-j16 -l16',
    'run.jobs=8',
    'run.loadAverage=12',
    'portage.features=["parallel-fetch","-parallel-install","ccache","-network-sandbox","binpkg-logs","getbinpkg"]',
    'portage.grantPtrace=true',
    'portage.binhost=["https://binhost.example.org/amd64"]',
    'portage.binrepos={"upstream":{"syncUri":"https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64"}}',
    'portage.makeConf.GENTOO_MIRRORS=/mnt/distfiles https://mirror.example.org/gentoo',
    'portage.makeConf.PORTAGE_NICENESS=15',
    'portage.makeConf.PORTAGE_IONICE_COMMAND=ionice -c 3 -p \\${PID}',
    'portage.makeConf.FETCHCOMMAND_HTTPS=curl -o \\${DISTDIR}/\\${FILE} \\${URI}',
    'portage.makeConf.EMERGE_DEFAULT_OPTS=--jobs 4 --load-average=8 --quiet-build=y --with-bdeps=y',
    'portage.pkgdir=/var/cache/binpkgs-farm',
    'portage.distdir=/srv/distfiles',
  );
  const farm = makeFarm(tuned, rootDir);
  const plan = await planRun(farm, [], { offline: true, explain: true });
  t.deepEqual(actions(plan), ALL_SKIP, formatPlan(plan, { explain: true }));
  for (const p of plan.order) {
    t.is(p.key, keys[p.subject.name]);
    t.is(p.partition, subjectPlan(before, p.subject.name).partition, 'the binhost partition stays: tuning FEATURES are not compatibility settings');
  }
  t.false(Object.keys(plan.order[0]!.inputs).some((i) => i.startsWith('file:binrepos.conf')), 'binrepos.conf is transport, not a key input');
});

test('a CFLAGS change makes every subject stale and explain names the variable with before and after', async (t) => {
  const config = dagConfig();
  const { rootDir } = await builtDag(config);
  const plan = await planRun(makeFarm(withSets(config, 'portage.makeConf.CFLAGS=-O3 -pipe'), rootDir), [], { offline: true, explain: true });
  t.deepEqual(actions(plan), { base: 'build', 'hep-core': 'build', 'mc-sim': 'build', analysis: 'build' });
  const base = plan.order[0]!;
  t.deepEqual(base.reasons.map((r) => r.input), ['file:make.conf']);
  t.deepEqual(base.reasons[0]!.details, ['CFLAGS "-O2 -pipe -march=x86-64 -mtune=generic" → "-O3 -pipe"']);
  const text = formatPlan(plan, { explain: true });
  t.regex(text, /base\s+build\s+[0-9a-f]{12}\s+make\.conf: CFLAGS "-O2 -pipe -march=x86-64 -mtune=generic" → "-O3 -pipe"\n/);
  t.regex(text, /- make\.conf: CFLAGS "-O2 -pipe -march=x86-64 -mtune=generic" → "-O3 -pipe"/);
});

test('FEATURES that change installed files still count, word by word', async (t) => {
  const config = dagConfig();
  const { rootDir } = await builtDag(config);
  const plan = await planRun(makeFarm(withSets(config, 'portage.features=["nodoc","parallel-fetch"]'), rootDir), ['base'], { offline: true, explain: true });
  t.is(plan.order[0]!.action, 'build');
  const details = plan.order[0]!.reasons.find((r) => r.input === 'file:make.conf')?.details ?? [];
  t.is(details.length, 1);
  t.regex(details[0]!, /^FEATURES ".*-news" → ".*-news nodoc"$/, 'nodoc is in, parallel-fetch is not');
});

test('env files: a per-package MAKEOPTS is a tuning knob, a per-package CFLAGS is not', async (t) => {
  const files = (text: string) => dagConfig({ portage: { files: { 'env/big.conf': text } } });
  const { rootDir } = await builtDag(files('MAKEOPTS="-j2"\nCFLAGS="${CFLAGS} -O1"\n'));
  const same = await planRun(makeFarm(files('MAKEOPTS="-j1"\nCFLAGS="${CFLAGS} -O1"\n'), rootDir), ['base'], { offline: true });
  t.is(same.order[0]!.action, 'skip');
  const changed = await planRun(makeFarm(files('MAKEOPTS="-j1"\nCFLAGS="${CFLAGS} -O0"\n'), rootDir), ['base'], { offline: true, explain: true });
  t.deepEqual(changed.order[0]!.reasons.map((r) => [r.input, r.details]), [['file:env/big.conf', ['CFLAGS "${CFLAGS} -O1" → "${CFLAGS} -O0"']]]);
});

test('package.use changes are explained line by line', async (t) => {
  const config = dagConfig();
  const { rootDir } = await builtDag(config);
  const changed = dagConfig();
  const core = changed.subjects!['hep-core']!.sets!['hep-core']!;
  (core['dev-libs/boost'] as { use: string[] }).use = ['python', 'numpy'];
  core['dev-libs/foo'] = { use: ['bar'] };
  const plan = await planRun(makeFarm(changed, rootDir), [], { offline: true, explain: true });
  t.deepEqual(actions(plan), { base: 'skip', 'hep-core': 'build', 'mc-sim': 'skip', analysis: 'build' });
  const use = subjectPlan(plan, 'hep-core').reasons.find((r) => r.input.startsWith('file:package.use/'))!;
  t.deepEqual(use.details, ['-dev-libs/boost python', '+dev-libs/boost python numpy', '+dev-libs/foo bar']);
  t.regex(formatPlan(plan, { explain: true }), /- package\.use\/[0-9]+-hep-core: \+dev-libs\/foo bar\n/);
});

test('a state written before file content was recorded still explains at file level', async (t) => {
  const config = dagConfig();
  const { rootDir } = await builtDag(config);
  const farm = makeFarm(withSets(config, 'portage.makeConf.CFLAGS=-O3'), rootDir);
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const { content: _dropped, ...old } = (await readSubjectState(stateDir, 'base'))!;
  await writeSubjectState(stateDir, old);
  const plan = await planRun(farm, ['base'], { offline: true, explain: true });
  t.deepEqual(plan.order[0]!.reasons.map((r) => [r.input, r.change, r.details]), [['file:make.conf', 'changed', undefined]]);
  t.regex(formatPlan(plan, { explain: true }), /- file:make\.conf changed {2}[0-9a-f]{12} → [0-9a-f]{12}/);
});

/** A plugin tapping lifecycle hooks only: reports, notifications. */
const reporter = {
  name: 'build-report',
  version: '2.0.0',
  apply(farm: Farm) {
    farm.hooks.beforeRun.tap('build-report', () => {});
    farm.hooks.done.tapPromise('build-report', async () => {});
    farm.hooks.failed.tap('build-report', () => {});
    farm.hooks.publish.tapPromise('build-report', async () => undefined);
    // runs for every atom of boost, returns it unchanged: no contribution
    farm.hooks.atom.for('dev-libs/boost').tap('build-report', (spec) => spec);
    farm.hooks.portageModel.tapPromise('build-report', async (model) => model);
    // tuning only: a make.conf knob and a binhost (transport) file
    farm.hooks.makeConf.tap('build-report', (vars) => ({ ...vars, MAKEOPTS: '-j3', FEATURES: `${vars.FEATURES} parallel-fetch` }));
    farm.hooks.renderedFiles.tap('build-report', (files) => new Map([...files, ['binrepos.conf/mirror.conf', '[mirror]\nsync-uri = https://b.example/\n']]));
  },
};

test('adding a plugin that only reports (or only tunes) leaves everything up to date', async (t) => {
  const { rootDir, keys } = await builtDag(dagConfig());
  const plan = await planRun(makeFarm({ ...dagConfig(), plugins: [reporter] }, rootDir), [], { offline: true });
  t.deepEqual(actions(plan), ALL_SKIP);
  for (const p of plan.order) {
    t.is(p.key, keys[p.subject.name]);
    t.false('plugin:build-report' in p.inputs);
  }
});

/** Adds USE to one atom of hep-core. */
const gslTuner = (use: string) => ({
  name: 'gsl-tuner',
  version: '1.0.0',
  apply(farm: Farm) {
    farm.hooks.atom.for('sci-libs/gsl').tap('gsl-tuner', (spec) => ({ ...spec, use: [...(spec.use ?? []), use] }));
  },
});

test('a plugin that changes one atom makes only that subject and its descendants stale, named as plugin:<name>', async (t) => {
  const { rootDir } = await builtDag(dagConfig());
  const plan = await planRun(makeFarm({ ...dagConfig(), plugins: [gslTuner('cblas')] }, rootDir), [], { offline: true, explain: true });
  t.deepEqual(actions(plan), { base: 'skip', 'hep-core': 'build', 'mc-sim': 'skip', analysis: 'build' });
  const core = subjectPlan(plan, 'hep-core');
  t.true(core.reasons.some((r) => r.input === 'plugin:gsl-tuner' && r.change === 'added' && r.after === '1.0.0'), JSON.stringify(core.reasons));
  t.deepEqual(core.reasons.find((r) => r.input.startsWith('file:package.use/'))?.details, ['+sci-libs/gsl cblas']);
  t.is(subjectPlan(plan, 'analysis').reasons[0]!.change, 'parent rebuilt');
  t.false('plugin:gsl-tuner' in plan.order[0]!.inputs);
  t.regex(formatPlan(plan, { explain: true }), /- plugin:gsl-tuner added {2}∅ → 1\.0\.0/);

  // a new version of the plugin: the subjects it contributed to are stale, by its name
  const farm1 = makeFarm({ ...dagConfig(), plugins: [gslTuner('cblas')] }, rootDir);
  const k = await recordBuild(farm1, 'hep-core', plan.order[0]!.key!);
  await recordBuild(farm1, 'analysis', k);
  const v2 = { ...gslTuner('cblas'), version: '1.1.0' };
  const plan2 = await planRun(makeFarm({ ...dagConfig(), plugins: [v2] }, rootDir), [], { offline: true });
  t.deepEqual(actions(plan2), { base: 'skip', 'hep-core': 'build', 'mc-sim': 'skip', analysis: 'build' });
  t.deepEqual(subjectPlan(plan2, 'hep-core').reasons, [{ input: 'plugin:gsl-tuner', change: 'changed', before: '1.0.0', after: '1.1.0' }]);
});

test('a renderedFiles tap that changes a keyed file of one subject counts for that subject', async (t) => {
  const extra = {
    name: 'extra-use',
    version: '0.3.0',
    apply(farm: Farm) {
      farm.hooks.renderedFiles.tap('extra-use', (files, ctx) =>
        ctx.subject.name === 'mc-sim' ? new Map([...files, ['package.use/99-extra', 'sci-physics/geant4 qt6\n']]) : files,
      );
    },
  };
  const { rootDir } = await builtDag(dagConfig());
  const plan = await planRun(makeFarm({ ...dagConfig(), plugins: [extra] }, rootDir), [], { offline: true, explain: true });
  t.deepEqual(actions(plan), { base: 'skip', 'hep-core': 'skip', 'mc-sim': 'build', analysis: 'skip' });
  t.deepEqual(subjectPlan(plan, 'mc-sim').reasons.map((r) => `${r.input} ${r.change}`), ['file:package.use/99-extra added', 'plugin:extra-use added']);
});

test('a plugin that adds a subject is in that subject\'s key only; one tapping a build phase is in every key', async (t) => {
  const adder = {
    name: 'adds-tools',
    version: '3.0.0',
    apply(farm: Farm) {
      farm.hooks.subjects.tap('adds-tools', (subjects) => ({ ...subjects, tools: { parent: 'base', sets: { tools: { 'app-misc/jq': {} } } } }));
    },
  };
  const phase = {
    name: 'emerge-wrapper',
    apply(farm: Farm) {
      farm.hooks.emergeArgs.tap('emerge-wrapper', (argv) => [...argv, '--oneshot']);
    },
  };
  const plan = await planRun(makeFarm({ ...dagConfig(), plugins: [adder, phase] }), [], { offline: true });
  for (const p of plan.order) {
    t.is(p.inputs['plugin:adds-tools'], p.subject.name === 'tools' ? '3.0.0' : undefined, p.subject.name);
    t.is(p.inputs['plugin:emerge-wrapper'], '0', `${p.subject.name}: an emergeArgs tap acts on every build`);
  }
});

test('a keyInputs tap that removes or changes a built-in input fails naming the plugin', async (t) => {
  const bad = (mutate: (inputs: Record<string, string>) => Record<string, string>) => ({
    name: 'key-trimmer',
    apply(farm: Farm) {
      farm.hooks.keyInputs.tap('key-trimmer', (inputs) => mutate(inputs));
    },
  });
  const removed = await t.throwsAsync(
    planRun(makeFarm({ ...dagConfig(), plugins: [bad(({ tree: _tree, ...rest }) => rest)] }), ['base'], { offline: true }),
  );
  t.is((removed as { code?: string }).code, 'E_PLUGIN');
  t.regex(removed!.message, /plugin "key-trimmer" failed in hook "keyInputs" for subject "base": the built-in key input "tree" was removed/);
  const changed = await t.throwsAsync(
    planRun(makeFarm({ ...dagConfig(), plugins: [bad((inputs) => { inputs['file:make.conf'] = 'x'; return inputs; })] }), ['base'], { offline: true }),
  );
  t.regex(changed!.message, /"key-trimmer".*the built-in key input "file:make\.conf" was changed/);
  // adding is fine, and makes the plugin a contributor
  const ok = await planRun(makeFarm({ ...dagConfig(), plugins: [bad((inputs) => ({ ...inputs, 'key-trimmer:x': '1' }))] }), ['base'], { offline: true });
  t.is(ok.order[0]!.inputs['key-trimmer:x'], '1');
  t.is(ok.order[0]!.inputs['plugin:key-trimmer'], '0');
});

test('a keyInputs tap may only add: replacing or removing an input an earlier plugin added fails naming the later plugin', async (t) => {
  const adder = { name: 'adds-input', apply: (farm: Farm) => farm.hooks.keyInputs.tap('adds-input', (inputs) => ({ ...inputs, 'adds-input:x': '1' })) };
  const later = (mutate: (inputs: Record<string, string>) => Record<string, string>) => ({
    name: 'later',
    apply: (farm: Farm) => farm.hooks.keyInputs.tap('later', (inputs) => mutate(inputs)),
  });
  const replaced = await t.throwsAsync(
    planRun(makeFarm({ ...dagConfig(), plugins: [adder, later((inputs) => ({ ...inputs, 'adds-input:x': '2' }))] }), ['base'], { offline: true }),
  );
  t.is((replaced as { code?: string }).code, 'E_PLUGIN');
  t.regex(replaced!.message, /plugin "later" failed in hook "keyInputs" for subject "base": the key input "adds-input:x" was changed \("1" → "2"\)/);
  const removed = await t.throwsAsync(
    planRun(makeFarm({ ...dagConfig(), plugins: [adder, later(({ 'adds-input:x': _x, ...rest }) => rest)] }), ['base'], { offline: true }),
  );
  t.regex(removed!.message, /plugin "later" failed in hook "keyInputs" for subject "base": the key input "adds-input:x" was removed/);
  // in place counts too: the tap is checked against a copy of what it was given
  const inPlace = await t.throwsAsync(
    planRun(makeFarm({ ...dagConfig(), plugins: [adder, later((inputs) => { delete inputs['adds-input:x']; return inputs; })] }), ['base'], { offline: true }),
  );
  t.regex(inPlace!.message, /"later".*"adds-input:x" was removed/);
  const both = await planRun(makeFarm({ ...dagConfig(), plugins: [adder, later((inputs) => ({ ...inputs, 'later:y': '3' }))] }), ['base'], { offline: true });
  t.is(both.order[0]!.inputs['adds-input:x'], '1');
  t.is(both.order[0]!.inputs['later:y'], '3');
});

test('file inputs: emerge options and FEATURES filtered word by word; a make.conf that cannot be evaluated is keyed by its bytes', (t) => {
  const text = 'FEATURES="${FEATURES} -sandbox nodoc parallel-fetch"\nEMERGE_DEFAULT_OPTS="-j 4 -l3 --jobs=2 --exclude dev-lang/rust --quiet-build=y"\nMAKEOPTS="-j9"\n';
  const { inputs, content } = fileInputs(new Map([['make.conf', text], ['binrepos.conf/x.conf', '[x]\n'], ['package.mask/10-x', '# h\n=a/b-1\n']]));
  t.deepEqual(content['file:make.conf'], { vars: { EMERGE_DEFAULT_OPTS: '--exclude dev-lang/rust', FEATURES: '${FEATURES} nodoc' } });
  t.deepEqual(content['file:package.mask/10-x'], { lines: ['=a/b-1'] });
  t.deepEqual(Object.keys(inputs).sort(), ['file:make.conf', 'file:package.mask/10-x']);
  const sourced = 'source /etc/portage/local.conf\n';
  const odd = fileInputs(new Map([['make.conf', sourced]]));
  t.is(odd.inputs['file:make.conf'], sha256(sourced));
  t.is(odd.content['file:make.conf'], undefined);
});
