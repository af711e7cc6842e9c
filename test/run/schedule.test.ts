import test from 'ava';
import { runSchedule, type ScheduleNode } from '../../core/run/schedule.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('children wait for parents; at most `concurrency` run at once; ready nodes start in plan order', async (t) => {
  const nodes: ScheduleNode[] = [
    { name: 'base', parent: null },
    { name: 'a', parent: 'base' },
    { name: 'b', parent: 'base' },
    { name: 'c', parent: 'base' },
    { name: 'a1', parent: 'a' },
  ];
  const log: string[] = [];
  let active = 0;
  let peak = 0;
  const out = await runSchedule(nodes, {
    concurrency: 2,
    skipped: () => t.fail('nothing is skipped'),
    work: async (n) => {
      active++;
      peak = Math.max(peak, active);
      log.push(`+${n}`);
      await tick(n === 'a' ? 5 : 20);
      log.push(`-${n}`);
      active--;
    },
  });
  t.is(peak, 2);
  t.deepEqual(log.slice(0, 4), ['+base', '-base', '+a', '+b']);
  t.true(log.indexOf('+a1') > log.indexOf('-a'));
  t.deepEqual([...out.values()].map((o) => o.status), ['done', 'done', 'done', 'done', 'done']);
});

test('a failure skips the whole subtree with reasons; siblings still run', async (t) => {
  const skipped: string[] = [];
  const out = await runSchedule(
    [
      { name: 'base', parent: null },
      { name: 'x', parent: 'base' },
      { name: 'x1', parent: 'x' },
      { name: 'x11', parent: 'x1' },
      { name: 'y', parent: 'base' },
    ],
    {
      concurrency: 1,
      skipped: (n, why) => void skipped.push(`${n}: ${why}`),
      work: async (n) => {
        if (n === 'x') throw new Error('x broke');
      },
    },
  );
  t.deepEqual(skipped, ['x1: parent "x" failed', 'x11: parent "x1" was not built']);
  t.is(out.get('y')?.status, 'done');
  t.is(out.get('x')?.status, 'failed');
});

test('stop(): nothing new starts; pending nodes are skipped with the reason', async (t) => {
  let stop: string | undefined;
  const started: string[] = [];
  const skipped: string[] = [];
  await runSchedule(
    ['a', 'b', 'c'].map((name) => ({ name, parent: null })),
    {
      concurrency: 1,
      stop: () => stop,
      skipped: (n, why) => void skipped.push(`${n}: ${why}`),
      work: async (n) => {
        started.push(n);
        stop = 'run interrupted';
      },
    },
  );
  t.deepEqual(started, ['a']);
  t.deepEqual(skipped, ['b: run interrupted', 'c: run interrupted']);
});

test('a parent outside the schedule counts as done; a cycle is reported instead of hanging', async (t) => {
  const done: string[] = [];
  const skipped: string[] = [];
  await runSchedule(
    [
      { name: 'child-of-external', parent: 'not-in-run' },
      { name: 'p', parent: 'q' },
      { name: 'q', parent: 'p' },
    ],
    { concurrency: 2, skipped: (n) => void skipped.push(n), work: async (n) => void done.push(n) },
  );
  t.deepEqual(done, ['child-of-external']);
  t.deepEqual(skipped.sort(), ['p', 'q']);
});
