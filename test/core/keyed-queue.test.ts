import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeyedQueue } from '../../core/util/keyed-queue.ts';

test('work of one key runs one at a time in call order; other keys run beside it; a failure does not stop the next', async (t) => {
  const queue = createKeyedQueue();
  const log: string[] = [];
  const work =
    (name: string, ms: number, fail = false) =>
    async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
  const a1 = queue('a', work('a1', 30, true));
  const a2 = queue('a', work('a2', 5));
  const b1 = queue('b', work('b1', 5));
  await t.throwsAsync(a1, { message: 'a1' });
  t.is(await a2, 'a2');
  t.is(await b1, 'b1');
  t.true(log.indexOf('end a1') < log.indexOf('start a2'));
  t.true(log.indexOf('start b1') < log.indexOf('end a1'));
});
