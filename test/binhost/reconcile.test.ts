import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkEntryFile } from '../../core/binhost/entry-check.ts';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { readQuarantine } from '../../core/binhost/quarantine.ts';
import { reconcilePartition } from '../../core/binhost/reconcile.ts';
import { VerifyCache, verifyCacheDir } from '../../core/binhost/verify-cache.ts';
import { verifyIndex } from '../../core/binhost/verify-index.ts';
import { makePartition, PARTITION } from './helpers.ts';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `binfarm-${p}-`));
const HELLO = 'app-misc/hello/hello-2.12.2-1.gpkg.tar';
const GSL = 'sci-libs/gsl/gsl-2.8-1.gpkg.tar';
const BOOST = 'dev-libs/boost/boost-1.88.0-1.gpkg.tar';

function threePackages() {
  const stateDir = tmp('state');
  const dir = makePartition(tmp('binhost'), [
    { cpv: 'app-misc/hello-2.12.2', id: 1, content: 'hello bytes' },
    { cpv: 'sci-libs/gsl-2.8', id: 1, content: 'gsl bytes' },
    { cpv: 'dev-libs/boost-1.88.0', id: 1, content: 'boost bytes' },
  ]);
  return { stateDir, dir };
}

test('reconcile quarantines a changed and a deleted binpkg, names them, and rewrites the index without them', async (t) => {
  const { stateDir, dir } = threePackages();
  const before = readFileSync(join(dir, 'Packages'), 'utf8');
  writeFileSync(join(dir, GSL), 'gsl BYTES'); // same size, other bytes
  rmSync(join(dir, BOOST));

  const r = await reconcilePartition({ stateDir, dir, rel: PARTITION, id: 'run-1', mode: 'cached' });
  t.is(r.checked, 3);
  t.deepEqual(
    r.bad.map((b) => [b.name, b.cpv, b.kind]),
    [
      ['dev-libs/boost-1.88.0-1', 'dev-libs/boost-1.88.0', 'missing'],
      ['sci-libs/gsl-2.8-1', 'sci-libs/gsl-2.8', 'corrupt'],
    ],
  );
  t.regex(r.bad.find((b) => b.kind === 'corrupt')!.what, /^MD5 [0-9a-f]{32}, the index says [0-9a-f]{32}; SHA1 /);

  // moved out of the partition, never deleted
  const qdir = join(stateDir, 'quarantine', ...PARTITION.split('/'), 'run-1');
  t.is(r.quarantineDir, qdir);
  t.false(existsSync(join(dir, GSL)));
  t.is(readFileSync(join(qdir, GSL), 'utf8'), 'gsl BYTES');
  const records = await readQuarantine(stateDir, PARTITION);
  t.deepEqual(records[0]!.files.map((f) => [f.path, f.kind, !!f.movedTo]).sort(), [
    [BOOST, 'missing', false],
    [GSL, 'corrupt', true],
  ]);

  // the index: only the good entry, header kept, Portage's format, .gz in step, mtime = TIMESTAMP
  const text = readFileSync(join(dir, 'Packages'), 'utf8');
  const idx = parsePackagesIndex(text);
  t.deepEqual(idx.packages.map((p) => p.PATH), [HELLO]);
  t.is(idx.header.PACKAGES, '1');
  t.is(idx.header.ARCH, 'amd64');
  t.deepEqual(parsePackagesIndex(before).packages.find((p) => p.PATH === HELLO), idx.packages[0]);
  t.is(gunzipSync(readFileSync(join(dir, 'Packages.gz'))).toString('utf8'), text);
  t.is(Math.floor(statSync(join(dir, 'Packages')).mtimeMs / 1000), Number(idx.header.TIMESTAMP));
  await t.notThrowsAsync(verifyIndex(dir));

  // reconciled: nothing more to do
  const again = await reconcilePartition({ stateDir, dir, rel: PARTITION, id: 'run-2', mode: 'cached' });
  t.deepEqual(again.bad, []);
  t.false(existsSync(join(stateDir, 'quarantine', ...PARTITION.split('/'), 'run-2')));
});

test('dry run (binhost verify without --fix) reports but moves nothing', async (t) => {
  const { stateDir, dir } = threePackages();
  writeFileSync(join(dir, HELLO), 'hello bytes and more');
  const text = readFileSync(join(dir, 'Packages'), 'utf8');
  const r = await reconcilePartition({ stateDir, dir, rel: PARTITION, id: 'x', mode: 'full', dryRun: true });
  t.deepEqual(r.bad.map((b) => b.what), ['size 20 bytes, the index says 11']);
  t.true(existsSync(join(dir, HELLO)));
  t.is(readFileSync(join(dir, 'Packages'), 'utf8'), text);
  t.false(existsSync(join(stateDir, 'quarantine')));
});

test('the verify cache spares unchanged files the hashing; any write to a file makes it hashed again; full mode always hashes', async (t) => {
  const { stateDir, dir } = threePackages();
  const entry = parsePackagesIndex(readFileSync(join(dir, 'Packages'), 'utf8')).packages.find((p) => p.PATH === GSL)!;
  const cacheDir = verifyCacheDir(stateDir);
  const cache = await VerifyCache.load(cacheDir, dir);
  t.deepEqual(await checkEntryFile(dir, entry, cache, 'cached'), { ok: true });
  await cache.save();

  // an in-place change (same size) changes mtime/ctime: hashed again, caught
  writeFileSync(join(dir, GSL), 'GSL bytes');
  const reloaded = await VerifyCache.load(cacheDir, dir);
  const v = await checkEntryFile(dir, entry, reloaded, 'cached');
  t.is(v.ok, false);

  // a cache entry matching the current stat is trusted in cached mode (no hashing) but not in full mode
  const forged = await VerifyCache.load(cacheDir, dir);
  forged.record(GSL, statSync(join(dir, GSL)), 'SIZE:9 MD5:' + entry.MD5 + ' SHA1:' + entry.SHA1);
  t.deepEqual(await checkEntryFile(dir, entry, forged, 'cached'), { ok: true }, 'cached mode trusts the cache');
  t.like(await checkEntryFile(dir, entry, forged, 'full'), { ok: false, kind: 'corrupt' });
  // and a full check that found it bad dropped the cache entry
  t.like(await checkEntryFile(dir, entry, forged, 'cached'), { ok: false, kind: 'corrupt' });
});

test('BLAKE2B and SHA512 in an entry are checked too', async (t) => {
  const { dir } = threePackages();
  const entry: Record<string, string> = { ...parsePackagesIndex(readFileSync(join(dir, 'Packages'), 'utf8')).packages.find((p) => p.PATH === HELLO)!, BLAKE2B: 'ab'.repeat(64) };
  delete entry.MD5;
  delete entry.SHA1;
  const v = await checkEntryFile(dir, entry, undefined, 'full');
  t.like(v, { ok: false, kind: 'corrupt' });
  t.regex((v as { what: string }).what, /^BLAKE2B [0-9a-f]{128}, the index says (ab){64}$/);
});
