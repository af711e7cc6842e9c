import test from 'ava';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { planRun } from '../../core/plan/plan.ts';
import { formatPlan } from '../../core/plan/print.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { resolveStateDir } from '../../core/run/paths.ts';
import { dagConfig, makeFarm, recordBuild } from './helpers.ts';

const actions = (plan: Awaited<ReturnType<typeof planRun>>) => Object.fromEntries(plan.order.map((p) => [p.subject.name, p.action]));

test('never built: digests unknown until fetched, every subject to build', async (t) => {
  const farm = makeFarm(dagConfig());
  const plan = await planRun(farm, [], { offline: true });
  t.deepEqual(actions(plan), { base: 'build', 'hep-core': 'build', 'mc-sim': 'build', analysis: 'build' });
  const base = plan.order[0]!;
  t.is(base.key, undefined);
  t.deepEqual(base.reasons.map((r) => `${r.input}: ${r.change}`), ['stage3: unknown until fetched', 'tree: unknown until fetched']);
  t.deepEqual(plan.order[1]!.unknown, ['parent', 'tree']);
  t.regex(formatPlan(plan, { explain: true }), /base\s+build\s+\(unknown\)\s+stage3 unknown until fetched/);
});

test('recorded builds are skipped; a USE change rebuilds that subject and its children only', async (t) => {
  const rootDir = makeFarm(dagConfig()).rootDir;
  const farm = makeFarm(dagConfig(), rootDir);
  const kBase = await recordBuild(farm, 'base', null);
  const kCore = await recordBuild(farm, 'hep-core', kBase);
  await recordBuild(farm, 'analysis', kCore);
  await recordBuild(farm, 'mc-sim', kBase);

  const plan = await planRun(farm, [], { offline: true });
  t.deepEqual(actions(plan), { base: 'skip', 'hep-core': 'skip', 'mc-sim': 'skip', analysis: 'skip' });
  t.is(plan.order[0]!.key, kBase, 'plan used the recorded stage3 and tree digests');
  t.is(plan.checkedImages, false);

  const changed = dagConfig();
  (changed.subjects!['hep-core']!.sets!['hep-core']!['dev-libs/boost'] as { use: string[] }).use = ['python', 'numpy'];
  const farm2 = makeFarm(changed, rootDir);
  const plan2 = await planRun(farm2, [], { offline: true, explain: true });
  t.deepEqual(actions(plan2), { base: 'skip', 'hep-core': 'build', 'mc-sim': 'skip', analysis: 'build' });
  const core = plan2.order.find((p) => p.subject.name === 'hep-core')!;
  const inputs = core.reasons.map((r) => r.input);
  t.true(inputs.some((i) => i.startsWith('file:package.use/')), `a package.use file changed: ${inputs.join(', ')}`);
  t.true(inputs.includes('set:hep-core'));
  t.true(core.reasons.every((r) => r.change === 'changed' && r.before && r.after && r.before !== r.after));
  const analysis = plan2.order.find((p) => p.subject.name === 'analysis')!;
  t.is(analysis.reasons[0]!.change, 'parent rebuilt');
  const text = formatPlan(plan2, { explain: true });
  t.regex(text, /plan: 4 subjects, 2 to build, 2 up to date/);
  t.regex(text, /- set:hep-core changed {2}[0-9a-f]{12} → [0-9a-f]{12}/);
  t.regex(text, /- parent rebuilt {2}[0-9a-f]{12} → [0-9a-f]{12}/);
});

test('binpkgs gone from the partition make a subject stale; a target pulls in its ancestors only', async (t) => {
  const farm = makeFarm(dagConfig());
  const kBase = await recordBuild(farm, 'base', null);
  const kCore = await recordBuild(farm, 'hep-core', kBase, { packages: ['sci-libs/gsl/gsl-2.8-1.gpkg.tar', 'dev-libs/boost/boost-1.88.0-1.gpkg.tar'] });
  await recordBuild(farm, 'analysis', kCore);
  const state = await readSubjectState(resolveStateDir(farm.options, farm.rootDir), 'hep-core');
  rmSync(join(state!.partition.dir, 'dev-libs/boost/boost-1.88.0-1.gpkg.tar'));
  const plan = await planRun(farm, ['analysis'], { offline: true });
  t.deepEqual(actions(plan), { base: 'skip', 'hep-core': 'build', analysis: 'skip' });
  t.is(plan.order[1]!.reasons.length, 1);
  const r = plan.order[1]!.reasons[0]!;
  t.is(r.change, 'binpkg missing: dev-libs/boost-1.88.0-1');
  t.is(r.after, 'dev-libs/boost/boost-1.88.0-1.gpkg.tar is gone from the partition');
});

test('a changed stage3 source makes its digest unknown again', async (t) => {
  const farm = makeFarm(dagConfig());
  await recordBuild(farm, 'base', null);
  const farm2 = makeFarm({ ...dagConfig(), stage3: { type: 'registry', image: 'gentoo/stage3:amd64-openrc-20260301' } }, farm.rootDir);
  const plan = await planRun(farm2, ['base'], { offline: true });
  t.deepEqual(plan.order[0]!.reasons.map((r) => `${r.input}: ${r.change}`), ['stage3: unknown until fetched']);
});

test('plugins add key inputs through hooks.keyInputs; a change shows up by name', async (t) => {
  const plugin = (toolchain: string) => ({
    name: 'toolchain-pin',
    version: '1.0.0',
    apply(farm: import('../../core/farm.ts').Farm) {
      farm.hooks.keyInputs.tap('toolchain-pin', (inputs, ctx) => ({ ...inputs, ...(ctx.subject.name === 'hep-core' ? { 'toolchain:gcc': toolchain } : {}) }));
    },
  });
  const farm = makeFarm({ ...dagConfig(), plugins: [plugin('14.3.0')] });
  const kBase = await recordBuild(farm, 'base', null);
  await recordBuild(farm, 'hep-core', kBase);
  const plan = await planRun(makeFarm({ ...dagConfig(), plugins: [plugin('15.1.0')] }, farm.rootDir), ['hep-core'], { offline: true });
  t.is(plan.order[0]!.action, 'skip');
  t.is(plan.order[0]!.inputs['plugin:toolchain-pin'], undefined, 'the plugin added nothing to the base: its version is not in its key');
  t.is(plan.order[1]!.inputs['plugin:toolchain-pin'], '1.0.0', 'the version of a plugin that declared an input is one');
  t.deepEqual(plan.order[1]!.reasons, [{ input: 'toolchain:gcc', change: 'changed', before: '14.3.0', after: '15.1.0' }]);
});
