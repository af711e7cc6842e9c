/**
 * acceptJobUploads (core/executor/swarm/incoming.ts) on real GPKG files (test/fixtures/gpkg.ts, the
 * fixture emerge's layout) and a Packages index as the job's Portage writes it (SIZE, MD5, SHA1):
 * verified binpkgs are linked into the partition; any bad upload refuses the whole job and leaves
 * the partition untouched.
 */
import test, { type ExecutionContext } from 'ava';
import { appendFile, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serializePackagesIndex, type IndexBlock } from '../../core/binhost/packages-index.ts';
import { acceptJobUploads, collectJobLogs, discardJobUploads, rejectedDirOf } from '../../core/executor/swarm/incoming.ts';
import { BinfarmError, type ErrorCode } from '../../core/errors.ts';
import { hashFileMulti } from '../../core/util/checksums.ts';
import { writeGpkg } from '../fixtures/gpkg.ts';
import { filesBelow, tempDir } from './helpers.ts';

const ALPHA = 'app-misc/alpha/alpha-1.0-1.gpkg.tar';
const BETA = 'app-misc/beta/beta-2.1-3.gpkg.tar';

async function gpkg(dir: string, cat: string, pf: string, buildId: number, text = `${pf} payload`): Promise<string> {
  return writeGpkg(dir, { cat, pf, buildId, metadata: { SLOT: '0', EAPI: '8', USE: '' }, files: [{ path: `usr/share/${pf}`, type: 'file', data: text }] });
}

/** The index entry Portage writes for a binpkg in `dir`. */
async function entry(dir: string, path: string): Promise<IndexBlock> {
  const [cat, , file] = path.split('/') as [string, string, string];
  const m = /^(.+)-(\d+)\.gpkg\.tar$/.exec(file)!;
  const sums = await hashFileMulti(join(dir, path), ['MD5', 'SHA1']);
  const size = (await stat(join(dir, path))).size;
  return { CPV: `${cat}/${m[1]}`, BUILD_ID: m[2]!, EAPI: '8', PATH: path, SIZE: String(size), MD5: sums.MD5, SHA1: sums.SHA1 };
}

async function writeIndex(dir: string, entries: IndexBlock[]): Promise<void> {
  const text = serializePackagesIndex({ header: { ARCH: 'amd64', VERSION: '0' }, packages: entries }, { touch: 1_770_000_000 });
  await writeFile(join(dir, 'Packages'), text);
}

async function setup(t: ExecutionContext) {
  const root = await tempDir(t);
  const incomingDir = join(root, 'state/incoming/job-1');
  const partitionDir = join(root, 'binhost/amd64/test');
  await mkdir(incomingDir, { recursive: true });
  await mkdir(partitionDir, { recursive: true });
  return { root, incomingDir, partitionDir };
}

/** A job that built alpha and beta: both binpkgs and the index listing them. */
async function goodJob(incomingDir: string): Promise<void> {
  await gpkg(incomingDir, 'app-misc', 'alpha-1.0', 1);
  await gpkg(incomingDir, 'app-misc', 'beta-2.1', 3);
  await writeIndex(incomingDir, [await entry(incomingDir, ALPHA), await entry(incomingDir, BETA)]);
}

async function refusal(t: ExecutionContext, p: Promise<unknown>, code: ErrorCode): Promise<BinfarmError> {
  const e = await t.throwsAsync(p);
  t.true(e instanceof BinfarmError, String(e));
  t.is((e as BinfarmError).code, code, e?.message);
  return e as BinfarmError;
}

test('a good job: its binpkgs are moved into the partition byte for byte', async (t) => {
  const { incomingDir, partitionDir } = await setup(t);
  await goodJob(incomingDir);
  const before = { alpha: await readFile(join(incomingDir, ALPHA)), beta: await readFile(join(incomingDir, BETA)) };
  const result = await acceptJobUploads({ incomingDir, partitionDir });
  t.deepEqual(result, { moved: [ALPHA, BETA], unchanged: [], fetched: [] });
  t.deepEqual(await filesBelow(partitionDir), [ALPHA, BETA], 'the binpkgs only: the job’s Packages is never copied');
  t.deepEqual(await readFile(join(partitionDir, ALPHA)), before.alpha);
  t.deepEqual(await readFile(join(partitionDir, BETA)), before.beta);
  t.deepEqual(await filesBelow(incomingDir), ['Packages']);
  await discardJobUploads(incomingDir);
  t.deepEqual(await filesBelow(incomingDir), []);
});

test('one flipped byte: the job is refused naming the file, the partition is untouched and the uploads are kept', async (t) => {
  const { incomingDir, partitionDir } = await setup(t);
  await goodJob(incomingDir);
  const file = join(incomingDir, BETA);
  const bytes = await readFile(file);
  bytes[bytes.length - 2000]! ^= 0x01;
  await writeFile(file, bytes);
  const e = await refusal(t, acceptJobUploads({ incomingDir, partitionDir }), 'E_JOB_UPLOAD');
  t.regex(e.message, /app-misc\/beta\/beta-2\.1-3\.gpkg\.tar: does not match its index entry: MD5 [0-9a-f]+, the index says/);
  t.notRegex(e.message, /alpha/, 'the sound binpkg is not named');
  t.deepEqual(await filesBelow(partitionDir), [], 'alpha was not moved either');
  const kept = rejectedDirOf(incomingDir);
  t.deepEqual(await filesBelow(kept), ['Packages', ALPHA, BETA, 'rejected.json'].sort());
  t.regex(await readFile(join(kept, 'rejected.json'), 'utf8'), /beta-2\.1-3\.gpkg\.tar/);
  t.deepEqual(await filesBelow(incomingDir), []);
});

test('a binpkg whose index entry matches but whose GPKG Manifest does not is refused', async (t) => {
  const { incomingDir, partitionDir } = await setup(t);
  await gpkg(incomingDir, 'app-misc', 'alpha-1.0', 1, 'AAAAAAAAAAAAAAAA');
  // Damage a byte inside the image member, then index the damaged file (as a job would, were it damaged before indexing).
  const file = join(incomingDir, ALPHA);
  const bytes = await readFile(file);
  const at = bytes.indexOf('AAAAAAAAAAAAAAAA');
  t.true(at > 0);
  bytes[at] = 0x42;
  await writeFile(file, bytes);
  await writeIndex(incomingDir, [await entry(incomingDir, ALPHA)]);
  const e = await refusal(t, acceptJobUploads({ incomingDir, partitionDir }), 'E_JOB_UPLOAD');
  // The fixture writes BLAKE2B and SHA512, as Portage does (its default manifest-hashes): both are checked.
  t.regex(e.message, /alpha-1\.0-1\.gpkg\.tar: does not match its GPKG Manifest: image\.tar: BLAKE2B does not match the Manifest; image\.tar: SHA512 does not match the Manifest/);
  t.deepEqual(await filesBelow(partitionDir), []);
});

test('an uploaded binpkg without an index entry refuses the job', async (t) => {
  const { incomingDir, partitionDir } = await setup(t);
  await goodJob(incomingDir);
  await gpkg(incomingDir, 'app-misc', 'gamma-0.1', 1);
  const e = await refusal(t, acceptJobUploads({ incomingDir, partitionDir }), 'E_JOB_UPLOAD');
  t.regex(e.message, /app-misc\/gamma\/gamma-0\.1-1\.gpkg\.tar: uploaded binpkg has no entry in the uploaded Packages index/);
  t.deepEqual(await filesBelow(partitionDir), []);
});

test('binpkgs without a Packages index (an interrupted job) are refused', async (t) => {
  const { incomingDir, partitionDir } = await setup(t);
  await gpkg(incomingDir, 'app-misc', 'alpha-1.0', 1);
  const e = await refusal(t, acceptJobUploads({ incomingDir, partitionDir }), 'E_JOB_UPLOAD');
  t.regex(e.message, /alpha-1\.0-1\.gpkg\.tar: uploaded without a Packages index/);
  t.deepEqual(await filesBelow(partitionDir), []);
});

test('a path the partition holds with other bytes is refused (E_BINHOST) and never overwritten; identical bytes are skipped', async (t) => {
  const { root, incomingDir, partitionDir } = await setup(t);
  await goodJob(incomingDir);
  // The partition has alpha from elsewhere, same path, other bytes (another build with the same BUILD_ID).
  const other = join(root, 'other');
  await gpkg(other, 'app-misc', 'alpha-1.0', 1, 'another build');
  await cp(join(other, ALPHA), join(partitionDir, ALPHA), { recursive: true });
  const theirs = await readFile(join(partitionDir, ALPHA));
  const e = await refusal(t, acceptJobUploads({ incomingDir, partitionDir }), 'E_BINHOST');
  t.regex(e.message, /alpha-1\.0-1\.gpkg\.tar: the partition already has a different file at this path/);
  t.deepEqual(await readFile(join(partitionDir, ALPHA)), theirs);
  t.deepEqual(await filesBelow(partitionDir), [ALPHA], 'beta was not moved');

  // The same job again, where the partition's alpha is the job's own bytes: skipped, beta moved.
  const again = join(root, 'state/incoming/job-2');
  await mkdir(again, { recursive: true });
  await goodJob(again);
  await rm(join(partitionDir, ALPHA));
  await cp(join(again, ALPHA), join(partitionDir, ALPHA));
  const result = await acceptJobUploads({ incomingDir: again, partitionDir });
  t.deepEqual(result, { moved: [BETA], unchanged: [ALPHA], fetched: [] });
});

test('an index entry the job fetched (not uploaded) is accepted when the partition has those bytes, refused otherwise', async (t) => {
  const { root, incomingDir, partitionDir } = await setup(t);
  // alpha came from the binhost (getbinpkg): it is in the partition, and in the job's index, but not uploaded.
  await gpkg(partitionDir, 'app-misc', 'alpha-1.0', 1);
  await gpkg(incomingDir, 'app-misc', 'beta-2.1', 3);
  await writeIndex(incomingDir, [await entry(partitionDir, ALPHA), await entry(incomingDir, BETA)]);
  t.deepEqual(await acceptJobUploads({ incomingDir, partitionDir }), { moved: [BETA], unchanged: [], fetched: [ALPHA] });

  const second = join(root, 'state/incoming/job-2');
  await gpkg(second, 'app-misc', 'gamma-0.1', 1);
  const missing: IndexBlock = { ...(await entry(partitionDir, ALPHA)), PATH: 'app-misc/delta/delta-1-1.gpkg.tar', CPV: 'app-misc/delta-1' };
  const changed: IndexBlock = { ...(await entry(partitionDir, BETA)), SHA1: '0'.repeat(40) };
  await writeIndex(second, [await entry(second, 'app-misc/gamma/gamma-0.1-1.gpkg.tar'), missing, changed]);
  const e = await refusal(t, acceptJobUploads({ incomingDir: second, partitionDir }), 'E_JOB_UPLOAD');
  t.regex(e.message, /delta-1-1\.gpkg\.tar: listed in the job's index but not uploaded, and the partition does not have it/);
  t.regex(e.message, /beta-2\.1-3\.gpkg\.tar: listed in the job's index but not uploaded, and the partition has other bytes/);
  t.false((await filesBelow(partitionDir)).includes('app-misc/gamma/gamma-0.1-1.gpkg.tar'));
});

test('an index entry whose CPV does not name its file, or that carries no digest, refuses the job', async (t) => {
  const { incomingDir, partitionDir } = await setup(t);
  await goodJob(incomingDir);
  await writeIndex(incomingDir, [
    { ...(await entry(incomingDir, ALPHA)), CPV: 'app-misc/alpha-9.9' },
    { ...(await entry(incomingDir, BETA)), MD5: '', SHA1: '' },
  ]);
  const e = await refusal(t, acceptJobUploads({ incomingDir, partitionDir }), 'E_JOB_UPLOAD');
  t.regex(e.message, /alpha-1\.0-1\.gpkg\.tar: its index entry says CPV app-misc\/alpha-9\.9, the file name says app-misc\/alpha-1\.0/);
  t.regex(e.message, /beta-2\.1-3\.gpkg\.tar: its index entry carries no SIZE or no digest/);
  t.deepEqual(await filesBelow(partitionDir), []);
});

test('collectJobLogs moves uploaded build logs under their PORTAGE_LOGDIR names', async (t) => {
  const { root, incomingDir } = await setup(t);
  await mkdir(join(incomingDir, 'logs'), { recursive: true });
  await appendFile(join(incomingDir, 'logs/app-misc:broken-1.0:20261201-120000.log'), 'error: boom\n');
  const logsDir = join(root, 'run/logs');
  t.deepEqual(await collectJobLogs(incomingDir, logsDir), ['app-misc:broken-1.0:20261201-120000.log']);
  t.is(await readFile(join(logsDir, 'app-misc:broken-1.0:20261201-120000.log'), 'utf8'), 'error: boom\n');
});
