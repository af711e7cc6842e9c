import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parsePackagesIndex, serializePackagesIndex } from '../../core/binhost/packages-index.ts';
import { checkIndex, verifyIndex } from '../../core/binhost/verify-index.ts';
import { partitionExclusive } from '../../core/binhost/partition-exclusive.ts';
import { isBinfarmError } from '../../core/errors.ts';

/** An index as Portage 3.0.x writes it: sorted keys, defaults and inherited values omitted. */
const PORTAGE_INDEX = `ACCEPT_KEYWORDS: amd64
ACCEPT_LICENSE: -* @FREE
ARCH: amd64
CBUILD: x86_64-pc-linux-gnu
CHOST: x86_64-pc-linux-gnu
ELIBC: glibc
FEATURES: binpkg-multi-instance buildpkg -news
KERNEL: linux
PACKAGES: 3
PROFILE: default/linux/amd64/23.0
TIMESTAMP: 1773051304
USE: acl amd64 ssl zstd
VERSION: 0

BUILD_ID: 1
BUILD_TIME: 1773051300
CPV: app-misc/hello-2.12.2
DEFINED_PHASES: configure install
DESC: GNU "Hello, world" with its bells and whistles
EAPI: 8
IUSE: nls
KEYWORDS: amd64 ~arm64
LICENSE: FDL-1.3+ GPL-3+
MD5: 1d2f8ef1b9a0a45f2a27d0d7f1f0f6f4
MTIME: 1773051301
PATH: app-misc/hello/hello-2.12.2-1.gpkg.tar
REPO: gentoo
SHA1: 2b3a2f6fb5b6ae6e8d8c0c1f7d5d3f1f0a9c8b7a
SIZE: 71680
USE: amd64 elibc_glibc kernel_linux nls

BUILD_ID: 2
BUILD_TIME: 1773051302
CPV: app-misc/hello-2.12.2
EAPI: 8
PATH: app-misc/hello/hello-2.12.2-2.gpkg.tar
REPO: gentoo
SIZE: 71680

BUILD_ID: 1
BUILD_TIME: 1773050000
CHOST: aarch64-unknown-linux-gnu
CPV: dev-libs/jsoncpp-1.9.6
PATH: dev-libs/jsoncpp/jsoncpp-1.9.6-1.gpkg.tar
SLOT: 0/26

`;

test('parse restores defaults and inherits CHOST/REPO from the header', (t) => {
  const idx = parsePackagesIndex(PORTAGE_INDEX);
  t.is(idx.header.VERSION, '0');
  t.is(idx.header.FEATURES, 'binpkg-multi-instance buildpkg -news');
  t.is(idx.packages.length, 3);
  const [a, , c] = idx.packages;
  t.is(a!.DESC, 'GNU "Hello, world" with its bells and whistles');
  t.is(a!.CHOST, 'x86_64-pc-linux-gnu', 'inherited from the header');
  t.is(c!.CHOST, 'aarch64-unknown-linux-gnu', 'own value wins');
  t.is(c!.EAPI, '0', 'EAPI default restored');
  t.is(c!.SLOT, '0/26');
  t.is(idx.packages[1]!.SLOT, '0', 'SLOT default restored');
  t.is(idx.packages[1]!.USE, '');
});

test('serialize(parse(x)) reproduces a Portage-written index byte for byte', (t) => {
  t.is(serializePackagesIndex(parsePackagesIndex(PORTAGE_INDEX)), PORTAGE_INDEX);
});

test('parse(serialize(x)) round-trips a filled index; touch sets TIMESTAMP and PACKAGES', (t) => {
  const idx = parsePackagesIndex(PORTAGE_INDEX);
  idx.packages.pop();
  const text = serializePackagesIndex(idx, { touch: 1800000000.7 });
  const again = parsePackagesIndex(text);
  t.is(again.header.TIMESTAMP, '1800000000');
  t.is(again.header.PACKAGES, '2');
  t.deepEqual(again.packages, idx.packages);
  // packages are written in CPV order (stable for equal CPVs, like Python's sorted)
  const full = parsePackagesIndex(PORTAGE_INDEX);
  const [h1, h2, j] = full.packages;
  t.is(serializePackagesIndex({ header: full.header, packages: [j!, h1!, h2!] }), PORTAGE_INDEX);
  t.not(serializePackagesIndex({ header: full.header, packages: [j!, h2!, h1!] }), PORTAGE_INDEX);
});

test('parse follows Portage: one char after the colon dropped, blocks without CPV skipped, empty block ends the body', (t) => {
  const idx = parsePackagesIndex('VERSION: 0\nTIMESTAMP:1\nnot a key line\n\nPATH: x\n\nCPV: a/b-1\nKEY:  two spaces\n\n\nCPV: c/d-1\n');
  t.is(idx.header.TIMESTAMP, '', 'the character after ":" is dropped even when it is not a space');
  t.deepEqual(
    idx.packages.map((p) => p.CPV),
    ['a/b-1'],
  );
  t.is(idx.packages[0]!.KEY, ' two spaces');
});

function partition(): string {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-idx-'));
  mkdirSync(join(dir, 'app-misc/hello'), { recursive: true });
  return dir;
}

function entry(dir: string, rel: string, content: string): Record<string, string> {
  writeFileSync(join(dir, rel), content);
  const buf = Buffer.from(content);
  return {
    CPV: `app-misc/${rel.split('/')[2]!.replace(/-\d+\.gpkg\.tar$/, '')}`,
    BUILD_ID: rel.match(/-(\d+)\.gpkg\.tar$/)![1]!,
    PATH: rel,
    SIZE: String(buf.length),
    MD5: createHash('md5').update(buf).digest('hex'),
    SHA1: createHash('sha1').update(buf).digest('hex'),
    EAPI: '8',
  };
}

test('verifyIndex accepts a sound index and reports unindexed binpkgs', async (t) => {
  const dir = partition();
  const e = entry(dir, 'app-misc/hello/hello-2.12.2-1.gpkg.tar', 'gpkg bytes');
  writeFileSync(join(dir, 'app-misc/hello/hello-2.12.2-2.gpkg.tar'), 'not indexed');
  const text = serializePackagesIndex({ header: { VERSION: '0', CHOST: 'x86_64-pc-linux-gnu' }, packages: [e] }, { touch: 1773051304 });
  writeFileSync(join(dir, 'Packages'), text);
  writeFileSync(join(dir, 'Packages.gz'), gzipSync(text));
  const r = await verifyIndex(dir);
  t.is(r.index.packages.length, 1);
  t.deepEqual(r.unindexed, ['app-misc/hello/hello-2.12.2-2.gpkg.tar']);
});

test('verifyIndex names every bad entry: missing file, size, checksums, header, stale .gz', async (t) => {
  const dir = partition();
  const good = entry(dir, 'app-misc/hello/hello-2.12.2-1.gpkg.tar', 'one');
  const badSize = { ...entry(dir, 'app-misc/hello/hello-2.12.2-2.gpkg.tar', 'two'), SIZE: '999' };
  const badMd5 = { ...entry(dir, 'app-misc/hello/hello-2.12.2-3.gpkg.tar', 'three'), MD5: '0'.repeat(32) };
  const badSha1 = { ...entry(dir, 'app-misc/hello/hello-2.12.2-4.gpkg.tar', 'four'), SHA1: 'f'.repeat(40) };
  const missing = { ...good, BUILD_ID: '5', PATH: 'app-misc/hello/hello-2.12.2-5.gpkg.tar' };
  const escape = { ...good, BUILD_ID: '6', PATH: '../outside.gpkg.tar' };
  const text = serializePackagesIndex({ header: { VERSION: '1', PACKAGES: '9' }, packages: [good, badSize, badMd5, badSha1, missing, escape] });
  writeFileSync(join(dir, 'Packages'), text);
  writeFileSync(join(dir, 'Packages.gz'), gzipSync('old'));
  const err = await t.throwsAsync(verifyIndex(dir));
  t.true(isBinfarmError(err));
  t.is((err as unknown as { code: string }).code, 'E_BINHOST');
  const msg = err!.message;
  t.regex(msg, /header: has no TIMESTAMP/);
  t.regex(msg, /header: VERSION "1" is not an integer ≤ 0/);
  t.regex(msg, /header: PACKAGES says 9 but the index lists 6 entries/);
  t.regex(msg, /app-misc\/hello-2\.12\.2 \(build 2\): SIZE is 999 but app-misc\/hello\/hello-2\.12\.2-2\.gpkg\.tar has 3 bytes/);
  t.regex(msg, /\(build 3\): MD5 mismatch/);
  t.regex(msg, /\(build 4\): SHA1 mismatch/);
  t.regex(msg, /\(build 5\): PATH app-misc\/hello\/hello-2\.12\.2-5\.gpkg\.tar does not exist/);
  t.regex(msg, /\(build 6\): PATH "\.\.\/outside\.gpkg\.tar" leaves the partition/);
  t.regex(msg, /Packages\.gz: differs from Packages/);
  t.regex((err as unknown as { hint: string }).hint, /emaint binhost --fix/);
});

test('a partition without an index is reported as such', async (t) => {
  const { problems } = await checkIndex(partition());
  t.is(problems.length, 1);
  t.regex(problems[0]!.problem, /no index at .*\/Packages$/);
});

test('verifyIndex reads Packages and Packages.gz again when it meets a writer between the two; the text it checked is returned', async (t) => {
  const dir = partition();
  const e = entry(dir, 'app-misc/hello/hello-2.12.2-1.gpkg.tar', 'gpkg bytes');
  const old = serializePackagesIndex({ header: { VERSION: '0' }, packages: [] }, { touch: 1773051000 });
  const text = serializePackagesIndex({ header: { VERSION: '0' }, packages: [e] }, { touch: 1773051304 });
  // Packages is new, Packages.gz still the old one: the writer replaces it 100 ms later.
  writeFileSync(join(dir, 'Packages'), text);
  writeFileSync(join(dir, 'Packages.gz'), gzipSync(old));
  const writer = new Promise<void>((r) =>
    setTimeout(() => {
      writeFileSync(join(dir, 'Packages.gz'), gzipSync(text));
      r();
    }, 100),
  );
  const r = await verifyIndex(dir);
  await writer;
  t.is(r.text, text);
  t.is(r.index.packages.length, 1);
});

test('partitionExclusive runs the work on one partition one at a time, whatever the path spelling; other partitions run alongside', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'binfarm-exclusive-'));
  const log: string[] = [];
  const work = (name: string, ms: number) => async () => {
    log.push(`${name}+`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`${name}-`);
  };
  await Promise.all([
    partitionExclusive(join(root, 'p'), work('a', 60)),
    partitionExclusive(`${root}/q/../p/`, work('b', 10)),
    partitionExclusive(join(root, 'other'), work('c', 10)),
  ]);
  t.deepEqual(
    log.filter((l) => l.startsWith('a') || l.startsWith('b')),
    ['a+', 'a-', 'b+', 'b-'],
  );
  t.true(log.indexOf('c-') < log.indexOf('a-'), log.join(' '));
});
