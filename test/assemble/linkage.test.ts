/** The slim linkage check over Packages index entries (PROVIDES/REQUIRES as Portage writes them). */
import test from 'ava';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { describeGap, mergedEntries, parseSonames, sonameGaps } from '../../core/assemble/linkage.ts';

const INDEX = parsePackagesIndex(`ARCH: amd64
PACKAGES: 5
TIMESTAMP: 1763970000
VERSION: 0

BUILD_ID: 1
CPV: sci-physics/root-6.36.00
PATH: sci-physics/root/root-6.36.00-1.gpkg.tar
PROVIDES: x86_64: libCore.so.6.36 libRIO.so.6.36
REQUIRES: x86_64: libCore.so.6.36 libc.so.6 libstdc++.so.6 libz.so.1

BUILD_ID: 2
CPV: sys-libs/glibc-2.41-r5
PATH: sys-libs/glibc/glibc-2.41-r5-2.gpkg.tar
PROVIDES: x86_32: libc.so.6 x86_64: libc.so.6 libm.so.6

BUILD_ID: 1
CPV: sys-libs/zlib-1.3.1-r1
PATH: sys-libs/zlib/zlib-1.3.1-r1-1.gpkg.tar
PROVIDES: x86_64: libz.so.1
REQUIRES: x86_64: libc.so.6

BUILD_ID: 1
CPV: sys-devel/gcc-15.2.1
PATH: sys-devel/gcc/gcc-15.2.1-1.gpkg.tar
PROVIDES: x86_64: libstdc++.so.6 libgcc_s.so.1

BUILD_ID: 3
CPV: sys-devel/gcc-14.3.1
PATH: sys-devel/gcc/gcc-14.3.1-3.gpkg.tar
PROVIDES: x86_64: libstdc++.so.6
`).packages;

test('soname lists by multilib category', (t) => {
  const m = parseSonames('x86_32: libc.so.6 x86_64: libc.so.6 libm.so.6');
  t.deepEqual([...m.keys()], ['x86_32', 'x86_64']);
  t.deepEqual([...m.get('x86_64')!], ['libc.so.6', 'libm.so.6']);
  t.is(parseSonames(undefined).size, 0);
});

test('gaps: required by a merged package, provided by none of them; providers from the partition', (t) => {
  const merged = mergedEntries(INDEX, [
    { type: 'binary', attrs: 'N', cpv: 'sys-libs/zlib-1.3.1-r1', buildId: '1', repo: 'gentoo' },
    { type: 'binary', attrs: 'N', cpv: 'sci-physics/root-6.36.00', buildId: '1', repo: 'gentoo' },
  ]);
  t.is(merged.length, 2);
  const gaps = sonameGaps(merged, INDEX);
  t.deepEqual(gaps, [
    { arch: 'x86_64', soname: 'libc.so.6', neededBy: ['sys-libs/zlib-1.3.1-r1', 'sci-physics/root-6.36.00'], providers: ['sys-libs/glibc'] },
    { arch: 'x86_64', soname: 'libstdc++.so.6', neededBy: ['sci-physics/root-6.36.00'], providers: ['sys-devel/gcc'] },
  ]);
  t.is(
    describeGap(gaps[1]!),
    "libstdc++.so.6 (x86_64) is needed by sci-physics/root-6.36.00 but no package of the slim image provides it; sys-devel/gcc provides it: add it to the assembly's runtime (or --with)",
  );
  // with the C library and the toolchain runtime merged, nothing is missing
  const full = mergedEntries(INDEX, [
    { type: 'binary', attrs: 'N', cpv: 'sys-libs/glibc-2.41-r5', buildId: '2' },
    { type: 'binary', attrs: 'N', cpv: 'sys-devel/gcc-15.2.1', buildId: '1' },
    ...['sys-libs/zlib-1.3.1-r1', 'sci-physics/root-6.36.00'].map((cpv) => ({ type: 'binary' as const, attrs: 'N', cpv, buildId: '1' })),
  ]);
  t.deepEqual(sonameGaps(full, INDEX), []);
});
