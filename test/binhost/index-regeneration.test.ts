import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markBinpkgsInPlace, regeneratedIndex } from '../../core/binhost/index-regeneration.ts';

/** A regeneration that takes `ms` and counts its runs; `fail` makes it throw. */
function regeneration(ms: number, opts: { fail?: boolean } = {}) {
  const r = {
    runs: 0,
    fn: async () => {
      r.runs++;
      await new Promise((done) => setTimeout(done, ms));
      if (opts.fail) throw new Error('emaint failed');
      return { index: `index #${r.runs}` };
    },
  };
  return r;
}

const partition = () => mkdtempSync(join(tmpdir(), 'binfarm-regeneration-'));

test('subjects whose binpkgs were in place before a regeneration began share it', async (t) => {
  const dir = partition();
  const a = markBinpkgsInPlace(dir);
  const b = markBinpkgsInPlace(dir);
  const regen = regeneration(40);
  const [ra, rb] = await Promise.all([regeneratedIndex(dir, a, 'a', regen.fn), regeneratedIndex(dir, b, 'b', regen.fn)]);
  t.is(regen.runs, 1);
  t.deepEqual(ra, { result: { index: 'index #1' }, by: 'a' });
  t.deepEqual(rb, { result: { index: 'index #1' }, by: 'a' });
});

test('binpkgs put in place after a regeneration began get a regeneration of their own', async (t) => {
  const dir = partition();
  const regen = regeneration(40);
  const first = regeneratedIndex(dir, markBinpkgsInPlace(dir), 'a', regen.fn);
  await new Promise((done) => setTimeout(done, 10)); // a's regeneration is running
  const late = regeneratedIndex(dir, markBinpkgsInPlace(dir), 'b', regen.fn);
  t.deepEqual(await first, { result: { index: 'index #1' }, by: 'a' });
  t.deepEqual(await late, { result: { index: 'index #2' }, by: 'b' });
  t.is(regen.runs, 2);
  // Later still, with nothing running: a new mark is never covered by an old regeneration.
  t.is((await regeneratedIndex(dir, markBinpkgsInPlace(dir), 'c', regen.fn)).by, 'c');
  t.is(regen.runs, 3);
});

test('a failed regeneration is not shared: the next subject runs its own and only the first gets the error', async (t) => {
  const dir = partition();
  const a = markBinpkgsInPlace(dir);
  const b = markBinpkgsInPlace(dir);
  const failing = regeneration(20, { fail: true });
  const good = regeneration(20);
  const [ra, rb] = await Promise.allSettled([regeneratedIndex(dir, a, 'a', failing.fn), regeneratedIndex(dir, b, 'b', good.fn)]);
  t.is(ra.status, 'rejected');
  t.deepEqual(rb.status === 'fulfilled' ? rb.value : undefined, { result: { index: 'index #1' }, by: 'b' });
  t.is(failing.runs + good.runs, 2);
});

test('partitions keep their own clocks', async (t) => {
  const one = partition();
  const two = partition();
  const regen = regeneration(20);
  const inOne = markBinpkgsInPlace(one);
  const inTwo = markBinpkgsInPlace(two);
  const [r1, r2] = await Promise.all([regeneratedIndex(one, inOne, 'a', regen.fn), regeneratedIndex(`${two}/`, inTwo, 'b', regen.fn)]);
  t.is(regen.runs, 2);
  t.is(r1.by, 'a');
  t.is(r2.by, 'b');
});
