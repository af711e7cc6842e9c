/**
 * Which images a plan may skip on, on the real engine: promoted images of this farm only. A
 * pending image never counts, and another farm's image with the same key (its own smoke tests,
 * its own binhost) does not count for this farm.
 */
import test from 'ava';
import { execa } from 'execa';
import { subjectImages } from '../../core/plan/trusted-images.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { labelledImage } from '../helpers/labelled-image.ts';
import { testEngine } from '../engine/helpers.ts';


test.serial('only this farm\'s promoted images are trusted; pending ones are listed apart', async (t) => {
  const base = await emergeFixtureImage();
  const ours = `binfarm-test-trust-a-${process.pid}`;
  const theirs = `binfarm-test-trust-b-${process.pid}`;
  t.teardown(async () => {
    await execa('docker', ['rmi', '-f', `${ours}/science:k1`, `${ours}/science:pending-k2`, `${theirs}/science:k3`], { reject: false });
  });
  const key1 = `k1${'0'.repeat(62)}`;
  const key2 = `k2${'0'.repeat(62)}`;
  const key3 = `k3${'0'.repeat(62)}`;
  const owned = { 'binfarm.owned': '1', 'binfarm.subject': 'science' };
  const promoted = await labelledImage(base, `${ours}/science:k1`, { ...owned, 'binfarm.key': key1, 'binfarm.tested': key1 });
  await labelledImage(base, `${ours}/science:pending-k2`, { ...owned, 'binfarm.key': '', 'binfarm.tested': '', 'binfarm.pending-key': key2 });
  await labelledImage(base, `${theirs}/science:k3`, { ...owned, 'binfarm.key': key3, 'binfarm.tested': key3 });
  const engine = await testEngine(t, { tag: 'trust' });

  const mine = await subjectImages(engine, [], ours);
  t.is(mine.trusted.get(key1)?.id, promoted);
  t.false(mine.trusted.has(key2), 'a pending image is never trusted');
  t.truthy(mine.pending.get(key2));
  t.false(mine.trusted.has(key3), "another farm's image with a key does not count for this farm");
  const other = await subjectImages(engine, [], theirs);
  t.true(other.trusted.has(key3));
  t.false(other.trusted.has(key1));
});
