/**
 * The layering rule of the direct assembly (core/assemble/direct/layer-groups.ts): big packages
 * alone, the rest in a few buckets by a stable hash of cat/pn, within the layer cap.
 */
import test from 'ava';
import { bucketOf, layerGroups, MAX_LAYERS, OWN_LAYER_BYTES, OWN_LAYERS, SMALL_BUCKETS } from '../../../core/assemble/direct/layer-groups.ts';

interface P {
  name: string;
  bytes: number;
  version?: string;
}
const small = (n: number, prefix = 'app-misc/p'): P[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${String(i).padStart(3, '0')}`, bytes: 4096 }));
const groups = (ps: P[], base = 1) => layerGroups(ps, base, (p) => p);
const names = (gs: P[][]) => gs.map((g) => g.map((p) => p.name));
const asSets = (gs: P[][]) =>
  names(gs)
    .map((g) => [...g].sort().join(' '))
    .sort();

test('80 small packages make at most SMALL_BUCKETS layers, every package in exactly one', (t) => {
  const ps = small(80);
  const gs = groups(ps);
  t.true(gs.length <= SMALL_BUCKETS);
  t.true(gs.length >= SMALL_BUCKETS - 1, 'a sha256 spreads 80 names over the buckets');
  t.deepEqual(
    gs
      .flat()
      .map((p) => p.name)
      .sort(),
    ps.map((p) => p.name).sort(),
  );
});

test('the same package set gives the same groups, whatever the merge order', (t) => {
  const ps = small(40);
  const shuffled = [...ps].reverse();
  t.deepEqual(asSets(groups(shuffled)), asSets(groups(ps)));
  t.deepEqual(groups(ps), groups(ps));
});

test('adding or updating one package changes only its own group', (t) => {
  const ps = small(60);
  const before = asSets(groups(ps));
  const added = asSets(groups([...ps, { name: 'dev-libs/newcomer', bytes: 100 }]));
  t.is(added.filter((g) => !before.includes(g)).length, 1, 'one new group content');
  t.is(before.filter((g) => !added.includes(g)).length, 1, 'one old group content gone');
  // a new version keeps cat/pn and so its bucket: the others are untouched
  const bumped = ps.map((p, i) => (i === 7 ? { ...p, version: '2.0' } : p));
  const other = groups(bumped).filter((g) => !g.some((p) => p.version));
  t.is(other.length, groups(ps).length - 1);
  for (const g of other)
    t.true(
      before.includes(
        g
          .map((p) => p.name)
          .sort()
          .join(' '),
      ),
    );
});

test('packages of OWN_LAYER_BYTES or more get layers of their own, the largest when there are too many, first and by name', (t) => {
  const big = Array.from({ length: OWN_LAYERS + 2 }, (_, i): P => ({ name: `sci-libs/big${i}`, bytes: OWN_LAYER_BYTES + i * 1000 }));
  const ps = [...small(20), ...big];
  const gs = groups(ps);
  const alone = gs.slice(0, OWN_LAYERS).map((g) => {
    t.is(g.length, 1);
    return g[0]!.name;
  });
  t.deepEqual(alone, [...alone].sort(), 'by name');
  t.false(alone.includes('sci-libs/big0') || alone.includes('sci-libs/big1'), 'the two smallest big ones share a bucket');
  t.true(gs.length <= OWN_LAYERS + SMALL_BUCKETS);
  t.deepEqual(gs.flat().length, ps.length);
  t.deepEqual(
    groups(small(5)).map((g) => g.length > 0),
    groups(small(5)).map(() => true),
    'no empty layers',
  );
});

test('a deep from image leaves fewer layers, never more than MAX_LAYERS in all', (t) => {
  const ps = [...small(50), ...Array.from({ length: 10 }, (_, i): P => ({ name: `x/big${i}`, bytes: OWN_LAYER_BYTES }))];
  for (const base of [1, 60, 90, 95, 97, 98, 120]) {
    const gs = groups(ps, base);
    t.true(gs.length >= 1);
    if (base < MAX_LAYERS - 2) t.true(base + gs.length + 2 <= MAX_LAYERS, `base ${base}: ${gs.length} groups`);
    t.is(gs.flat().length, ps.length);
  }
  t.is(groups(ps, 98).length, 1, 'no room: one layer');
});

test('bucketOf is a stable function of the name', (t) => {
  // pinned: a change of the hash would re-layer every image assembled before it
  t.deepEqual(
    ['app-misc/hello', 'dev-libs/libfoo', 'sys-libs/glibc'].map((n) => bucketOf(n, 8)),
    [2, 0, 1],
  );
});
