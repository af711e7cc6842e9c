import test from 'ava';
import { planOrder, descendantsOf } from '../../core/plan/dag.ts';
import { planRun } from '../../core/plan/plan.ts';
import { dagConfig, makeFarm } from './helpers.ts';

test('order: parents first, config order among equals; ancestors of a target included', (t) => {
  const farm = makeFarm(dagConfig());
  const all = planOrder(farm.subjects(), [...farm.subjects().keys()]);
  t.deepEqual(
    all.map((o) => `${o.subject.name}@${o.depth}`),
    ['base@0', 'hep-core@1', 'mc-sim@1', 'analysis@2'],
  );
  t.deepEqual(
    planOrder(farm.subjects(), ['analysis']).map((o) => o.subject.name),
    ['base', 'hep-core', 'analysis'],
  );
  t.deepEqual(descendantsOf(farm.subjects(), 'hep-core'), ['analysis']);
});

test('a cycle is named link by link', async (t) => {
  const farm = makeFarm({ subjects: { a: { parent: 'b' }, b: { parent: 'c' }, c: { parent: 'a' } } });
  const err = await t.throwsAsync(planRun(farm, ['a'], { offline: true }));
  t.is((err as { code?: string }).code, 'E_SUBJECT');
  t.is(err!.message, 'subjects form a cycle: a → b → c → a');
  t.regex((err as unknown as { hint: string }).hint, /descend from "base"/);
});

test('a cycle elsewhere in the graph is still reported', (t) => {
  const farm = makeFarm({ subjects: { ok: {}, x: { parent: 'y' }, y: { parent: 'x' } } });
  t.throws(() => planOrder(farm.subjects(), ['ok']), { message: 'subjects form a cycle: x → y → x' });
});

test('unknown target names the known subjects', (t) => {
  const farm = makeFarm(dagConfig());
  t.throws(() => planOrder(farm.subjects(), ['nope']), { message: 'unknown subject "nope"' });
});
