import test from 'ava';
import { createPreparationTurns } from '../../core/run/preparation-turns.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('at most `limit` turns at once, in the order asked; an ended turn hands its place to the first waiter', async (t) => {
  let asked = 0;
  const turns = createPreparationTurns(async () => (asked++, 2));
  const waits: number[] = [];
  const order: string[] = [];
  const take = (name: string) =>
    turns((n) => waits.push(n)).then((end) => {
      order.push(name);
      return end;
    });
  const [a, b, c, d] = [take('a'), take('b'), take('c'), take('d')];
  const endA = await a;
  await b;
  await tick();
  t.deepEqual(order, ['a', 'b']);
  t.deepEqual(waits, [2, 2]);
  endA();
  endA(); // a second end does nothing
  await tick();
  t.deepEqual(order, ['a', 'b', 'c']);
  // A newcomer asking now waits behind d, although a turn ended a moment ago.
  const e = take('e');
  (await c)();
  await tick();
  t.deepEqual(order, ['a', 'b', 'c', 'd']);
  (await d)();
  await e;
  t.deepEqual(order, ['a', 'b', 'c', 'd', 'e']);
  t.is(asked, 1, 'the limit is asked once');
});

test('no limit (undefined, 0, or a failing question): every turn at once', async (t) => {
  for (const limit of [async () => undefined, async () => 0, async () => Promise.reject(new Error('no swarm'))]) {
    const turns = createPreparationTurns(limit);
    const waits: number[] = [];
    const all = await Promise.all([1, 2, 3, 4].map(() => turns((n) => waits.push(n))));
    t.is(all.length, 4);
    t.deepEqual(waits, []);
  }
});
