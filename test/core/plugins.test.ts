import test from 'ava';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import { PluginError, isBinfarmError } from '../../core/errors.ts';
import { normalizePlugins, type Plugin } from '../../core/plugin.ts';
import { runFarm } from '../../core/run/runner.ts';
import type { SubjectBuild } from '../../core/run/context.ts';
import { offlineCollaborators, planOf, testFarm } from '../run/_farm.ts';

const farmWith = (plugins: unknown[], builtins = false) =>
  createFarm({ options: ConfigSchema.parse({ plugins, subjects: { tools: {} } }), rootDir: '/nonexistent', builtins });

const buildOf = (farm: Farm, name = 'tools') => ({ subject: farm.subject(name), phases: [], data: new Map() }) as unknown as SubjectBuild;

test('tap order follows stage and before, whatever the order of registration', async (t) => {
  const order: string[] = [];
  const plugin: Plugin = {
    name: 'orderly',
    apply(farm) {
      const h = farm.hooks.package;
      h.tapPromise({ name: 'Late', stage: 10 }, async () => void order.push('Late'));
      h.tapPromise('Plain', async () => void order.push('Plain'));
      h.tapPromise({ name: 'BeforePlain', before: 'Plain' }, async () => void order.push('BeforePlain'));
      h.tapPromise({ name: 'Early', stage: -10 }, async () => void order.push('Early'));
    },
  };
  const farm = farmWith([plugin]);
  await farm.hooks.package.promise(buildOf(farm));
  t.deepEqual(order, ['Early', 'BeforePlain', 'Plain', 'Late']);
});

test('built-in phase plugins come after user plugins: a user tap at the default stage runs first', (t) => {
  const user: Plugin = { name: 'mine', apply: (f) => void f.hooks.applyPatches.tap('mine', () => undefined) };
  const farm = farmWith([user], true);
  const taps = farm.hooks.applyPatches.taps.map((x) => x.name);
  const builtin = taps.findIndex((n) => n.startsWith('binfarm:'));
  t.true(builtin >= 0, `a built-in taps applyPatches (taps: ${taps.join(', ')})`);
  t.true(taps.indexOf('mine') < builtin);
  t.deepEqual(
    farm.plugins.map((p) => p.name).slice(0, 1),
    ['mine'],
    'user plugins are applied first',
  );
});

test('a user plugin claims a built-in phase: the built-in does not run, the record names the claimer', async (t) => {
  const ran: string[] = [];
  // Stands in for a built-in phase plugin: same tap-name convention, applied after user plugins.
  const builtinEmerge: Plugin = {
    name: 'binfarm:emerge',
    apply: (f) => void f.hooks.emerge.tapPromise('binfarm:emerge', async () => void ran.push('builtin emerge')),
  };
  const replacement: Plugin = {
    name: 'remote-builder',
    apply: (f) =>
      void f.hooks.emerge.tapPromise('remote-builder', async (b) => {
        ran.push(`remote emerge of ${b.subject.name}`);
        return 'built on the group cluster';
      }),
  };
  const farm = testFarm(t, { plugins: [replacement] });
  farm.apply(builtinEmerge);
  const result = await runFarm(farm, { plan: planOf(farm, ['base']), collaborators: { ...offlineCollaborators(), rekey: async () => undefined } });
  t.is(result.status, 'done');
  t.deepEqual(ran, ['remote emerge of base']);
  t.deepEqual(result.builds.get('base')!.phases.find((p) => p.phase === 'emerge'), {
    phase: 'emerge',
    status: 'claimed',
    by: 'remote-builder',
    note: 'built on the group cluster',
    ms: result.builds.get('base')!.phases.find((p) => p.phase === 'emerge')!.ms,
  });

  // Without the claim the built-in runs, and its result is "done", not "claimed".
  const plain = testFarm(t, { plugins: [] });
  plain.apply(builtinEmerge);
  const r2 = await runFarm(plain, { plan: planOf(plain, ['base']), collaborators: { ...offlineCollaborators(), rekey: async () => undefined } });
  t.is(r2.builds.get('base')!.phases.find((p) => p.phase === 'emerge')!.status, 'done');
  t.deepEqual(ran, ['remote emerge of base', 'builtin emerge']);
});

test('an error thrown in a tap is wrapped with plugin, hook and subject (sync, promise and callback taps)', async (t) => {
  const plugin: Plugin = {
    name: 'clumsy',
    apply(farm) {
      farm.hooks.fetchStage3.tap('clumsy-sync', () => {
        throw new Error('sync boom');
      });
      farm.hooks.emerge.tapPromise('clumsy-promise', async () => {
        throw Object.assign(new Error('promise boom'), { code: 'E_EMERGE', hint: 'look at the build log' });
      });
      farm.hooks.publish.tapAsync('clumsy-callback', (_b, cb) => cb(new Error('callback boom')));
    },
  };
  const farm = farmWith([plugin]);
  for (const [hook, tap, inner] of [
    ['fetchStage3', 'clumsy-sync', 'sync boom'],
    ['emerge', 'clumsy-promise', 'promise boom'],
    ['publish', 'clumsy-callback', 'callback boom'],
  ] as const) {
    const e = await t.throwsAsync(farm.hooks[hook].promise(buildOf(farm)));
    t.true(e instanceof PluginError);
    const pe = e as PluginError;
    t.is(pe.message, `plugin "${tap}" failed in hook "${hook}" for subject "tools": ${inner}`);
    t.deepEqual([pe.plugin, pe.hook, pe.subject, pe.code], [tap, hook, 'tools', 'E_PLUGIN']);
  }
  const withHint = (await t.throwsAsync(farm.hooks.emerge.promise(buildOf(farm)))) as PluginError;
  t.is(withHint.hint, 'look at the build log');
  t.is(withHint.details?.causeCode, 'E_EMERGE');
});

test('an error in a plugin\'s apply() names the plugin', (t) => {
  const e = t.throws(() =>
    farmWith([
      {
        name: 'broken-apply',
        apply() {
          throw new Error('cannot read options');
        },
      },
    ]),
  );
  t.true(isBinfarmError(e));
  t.is(e?.message, 'plugin "broken-apply" failed in hook "apply": cannot read options');
});

test('plugins: nested arrays and falsy entries are allowed; classes are named by their class; duplicates refused', (t) => {
  class GroupPlugin {
    apply() {}
  }
  const a = { name: 'a', apply() {} };
  const list = normalizePlugins([a, [false, null, undefined, 0, '', [new GroupPlugin()]]]);
  t.deepEqual(list.map((p) => p.name), ['a', 'GroupPlugin']);
  const dup = t.throws(() => normalizePlugins([a, [a]]));
  t.is((dup as { code?: string }).code, 'E_PLUGIN_INVALID');
  t.regex(dup!.message, /two plugins are named "a"/);
  const pos = t.throws(() => normalizePlugins([a, [a.apply]]));
  t.regex(pos!.message, /^plugins\[1\]\[0\] is not a plugin/);
  const num = t.throws(() => normalizePlugins([42]));
  t.regex(num!.message, /^plugins\[0\] is not a plugin: got number 42/);
});

test('plugin subjects join the config subjects; a bad contributed subject names the plugin', (t) => {
  const layer: Plugin = {
    name: 'layers',
    apply: (f) => void f.hooks.subjects.tap('layers', (s) => ({ ...s, analysis: { parent: 'tools', contributedBy: 'layers' } })),
  };
  const farm = farmWith([layer]);
  t.deepEqual([...farm.subjects().keys()], ['base', 'tools', 'analysis']);
  t.is(farm.subject('analysis').parent, 'tools');

  const bad: Plugin = {
    name: 'bad-layers',
    apply: (f) => void f.hooks.subjects.tap('bad-layers', (s) => ({ ...s, x: { parent: 'nope', contributedBy: 'bad-layers' } })),
  };
  const e = t.throws(() => farmWith([bad]).subjects());
  t.regex(e!.message, /subject "x" \(contributed by plugin "bad-layers"\) has unknown parent "nope"/);
});
