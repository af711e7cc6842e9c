import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binpkgCorruptError, corruptBinpkgs, digestFailuresInOutput } from '../../core/assemble/binpkg-digests.ts';

const hex = (algo: string, b: Buffer) => createHash(algo).update(b).digest('hex');

test('binpkgs are checked like Portage: SIZE first, then every digest of the entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-digests-'));
  mkdirSync(join(dir, 'app-misc/x'), { recursive: true });
  const body = Buffer.from('gpkg bytes');
  writeFileSync(join(dir, 'app-misc/x/x-1-1.gpkg.tar'), body);
  const entry = (over: Record<string, string>) => ({ CPV: 'app-misc/x-1', PATH: 'app-misc/x/x-1-1.gpkg.tar', SIZE: String(body.length), ...over });
  t.deepEqual(await corruptBinpkgs(dir, [entry({ MD5: hex('md5', body), SHA1: hex('sha1', body), BLAKE2B: hex('blake2b512', body) })]), []);
  const [size] = await corruptBinpkgs(dir, [entry({ SIZE: '3', MD5: '0'.repeat(32) })]);
  t.is(size!.problem, `size ${body.length}, the index says 3`, 'a wrong size is reported alone, as Portage does');
  const bad = await corruptBinpkgs(dir, [entry({ SHA1: '0'.repeat(40), BLAKE2B: 'f'.repeat(128) })]);
  t.deepEqual(bad.map((b) => b.problem.split(' ')[0]), ['SHA1', 'BLAKE2B']);
  const [gone] = await corruptBinpkgs(dir, [entry({ PATH: 'app-misc/x/x-1-2.gpkg.tar' })]);
  t.is(gone!.problem, 'the file is missing');
  const err = binpkgCorruptError('viewer', dir, bad);
  t.is(err.code, 'E_BINPKG_CORRUPT');
  t.true(err.message.includes('app-misc/x/x-1-1.gpkg.tar (app-misc/x-1): SHA1'));
  t.regex(err.hint ?? '', /binfarm binhost verify/);
});

test("Portage's own digest failure message is recognised (BinpkgVerifier._digest_exception)", (t) => {
  const lines = [
    '>>> Emerging binary (1 of 1) app-misc/jq-1.7.1-1::gentoo',
    '',
    '!!! Digest verification failed:',
    '!!! /var/cache/binpkgs/app-misc/jq/jq-1.7.1-1.gpkg.tar',
    '!!! Reason: Failed on size verification',
    '!!! Got: 1000',
    '!!! Expected: 2000',
  ];
  t.deepEqual(digestFailuresInOutput(lines), [{ path: '/var/cache/binpkgs/app-misc/jq/jq-1.7.1-1.gpkg.tar', problem: 'Failed on size verification' }]);
  t.deepEqual(digestFailuresInOutput(['>>> app-misc/jq-1.7.1 merged.']), []);
});
