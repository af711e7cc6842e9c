/**
 * The job endpoint (core/executor/swarm/job-endpoint.ts) as a real HTTP server on 127.0.0.1: tokens
 * scoped to one job and to its registration, strict upload paths, uploads that land whole or not
 * at all (size cap, a client that disconnects mid-body), base64 bodies, and the read-only binhost route.
 */
import test, { type ExecutionContext } from 'ava';
import { request } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startJobEndpoint, type JobEndpoint } from '../../core/executor/swarm/job-endpoint.ts';
import { bearer, filesBelow, send, tempDir } from './helpers.ts';

async function setup(t: ExecutionContext, opts: { maxUploadBytes?: number } = {}) {
  const root = await tempDir(t);
  const stateDir = join(root, 'state');
  const binhostRoot = join(root, 'binhost');
  await mkdir(join(binhostRoot, 'amd64/test'), { recursive: true });
  const endpoint: JobEndpoint = await startJobEndpoint({ listen: { host: '127.0.0.1' }, binhostRoot, stateDir, ...opts });
  t.teardown(() => endpoint.close());
  return { root, stateDir, binhostRoot, endpoint };
}

const BINPKG = 'app-misc/foo/foo-1.0-1.gpkg.tar';

test('a missing, wrong or other job’s token is refused and nothing is written', async (t) => {
  const { endpoint, stateDir } = await setup(t);
  const a = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.from('ctx-a') });
  const b = endpoint.registerJob('job-b', { partitionRel: 'amd64/test', context: Buffer.from('ctx-b') });
  const url = `${endpoint.url}/jobs/job-a/upload/${BINPKG}`;
  const none = await send(url, { method: 'PUT', body: 'x'.repeat(100) });
  t.is(none.status, 401);
  const wrong = await send(url, { method: 'PUT', body: 'x'.repeat(100), headers: bearer(randomBytes(32).toString('hex')) });
  t.is(wrong.status, 403);
  const other = await send(url, { method: 'POST', body: 'x'.repeat(100), headers: bearer(b.token) });
  t.is(other.status, 403, "job b's token does not open job a");
  const ctx = await send(`${endpoint.url}/jobs/job-a/context.tar`, { headers: bearer(b.token) });
  t.is(ctx.status, 403);
  t.deepEqual(await filesBelow(join(stateDir, 'incoming')), []);
  const good = await send(`${endpoint.url}/jobs/job-a/context.tar`, { headers: bearer(a.token) });
  t.is(good.status, 200);
  t.is(good.body.toString(), 'ctx-a');
});

test('upload paths outside the allowed shapes are refused with the reason and nothing is written', async (t) => {
  const { endpoint, stateDir } = await setup(t);
  const { token } = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  const cases: Array<[string, RegExp]> = [
    ['..%2F..%2Fetc%2Fpasswd', /"\.\." in path/],
    ['app-misc%2F..%2F..%2F..%2Fx.gpkg.tar', /"\.\." in path/],
    ['%2Fetc%2Fpasswd', /absolute path/],
    ['app-misc/foo/.foo-1.0-1.gpkg.tar', /dotfile/],
    ['app-misc/foo/bar-1.0-1.gpkg.tar', /does not belong in directory app-misc\/foo/],
    ['app-misc/foo/foo-1.0-1.tbz2', /not Packages, logs/],
    ['Packages.gz', /not Packages, logs/],
    ['logs/evil.sh', /ends in \.log/],
    ['logs/app-misc/foo/bar/x.log', /at most two directories/],
  ];
  for (const [rel, reason] of cases) {
    const r = await send(`${endpoint.url}/jobs/job-a/upload/${rel}`, { method: 'PUT', body: 'data', headers: bearer(token) });
    t.is(r.status, 400, rel);
    t.regex(r.body.toString(), reason, rel);
    t.regex(r.reason, reason, `${rel}: the reason is in the status line, where wget shows it`);
  }
  t.deepEqual(await filesBelow(stateDir), []);
});

test('good uploads land in the job’s incoming area, raw or base64, and replace an earlier try', async (t) => {
  const { endpoint } = await setup(t);
  const { token, incomingDir } = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  const binpkg = Buffer.concat([randomBytes(70_000), Buffer.alloc(300), randomBytes(5000)]);
  t.is((await send(`${endpoint.url}/jobs/job-a/upload/${BINPKG}`, { method: 'PUT', body: 'first try', headers: bearer(token) })).status, 201);
  t.is((await send(`${endpoint.url}/jobs/job-a/upload/${BINPKG}`, { method: 'PUT', body: binpkg, headers: bearer(token) })).status, 201);
  const b64 = binpkg.toString('base64').replace(/.{76}/g, '$&\n');
  const enc = { ...bearer(token), 'X-Binfarm-Body-Encoding': 'base64' };
  t.is((await send(`${endpoint.url}/jobs/job-a/upload/app-misc/bar-2.0.gpkg.tar`, { method: 'POST', body: b64, headers: enc })).status, 201);
  const log = 'compile error\n';
  t.is(
    (await send(`${endpoint.url}/jobs/job-a/upload/logs/app-misc:foo-1.0:20261201-120000.log`, { method: 'POST', body: log, headers: bearer(token) })).status,
    201,
  );
  t.is((await send(`${endpoint.url}/jobs/job-a/upload/Packages`, { method: 'POST', body: 'VERSION: 0\n', headers: bearer(token) })).status, 201);
  t.deepEqual(await filesBelow(incomingDir), ['Packages', 'app-misc/bar-2.0.gpkg.tar', BINPKG, 'logs/app-misc:foo-1.0:20261201-120000.log'].sort());
  t.deepEqual(await readFile(join(incomingDir, BINPKG)), binpkg);
  t.deepEqual(await readFile(join(incomingDir, 'app-misc/bar-2.0.gpkg.tar')), binpkg, 'the base64 body is stored decoded');
  const broken = await send(`${endpoint.url}/jobs/job-a/upload/app-misc/baz-1.gpkg.tar`, { method: 'POST', body: 'not*base64', headers: enc });
  t.is(broken.status, 400);
  t.false((await filesBelow(incomingDir)).includes('app-misc/baz-1.gpkg.tar'));
});

test('an upload over the size cap is refused (413) and leaves no file', async (t) => {
  const { endpoint, stateDir } = await setup(t, { maxUploadBytes: 1000 });
  const { token } = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  const declared = await send(`${endpoint.url}/jobs/job-a/upload/${BINPKG}`, { method: 'PUT', body: Buffer.alloc(2000), headers: bearer(token) }).catch(
    (e: Error) => ({ status: -1, reason: e.message, body: Buffer.alloc(0) }),
  );
  t.true(declared.status === 413 || declared.status === -1, `${declared.status} ${declared.reason}`);
  // Without Content-Length (chunked), the cap is enforced while the body streams.
  const chunked = await new Promise<number>((resolve) => {
    const req = request(`${endpoint.url}/jobs/job-a/upload/${BINPKG}`, { method: 'PUT', headers: bearer(token) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
    req.write(Buffer.alloc(800));
    req.end(Buffer.alloc(800));
  });
  t.true(chunked === 413 || chunked === -1, String(chunked));
  t.deepEqual(await filesBelow(stateDir), []);
});

test('a client that disconnects mid-body leaves no file, not even the .part', async (t) => {
  const { endpoint, stateDir } = await setup(t);
  const { token, incomingDir } = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  const req = request(`${endpoint.url}/jobs/job-a/upload/${BINPKG}`, { method: 'PUT', headers: { ...bearer(token), 'Content-Length': '1000000' } });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(200_000, 1));
  // Wait until the server is writing the .part file, then cut the connection.
  for (let i = 0; i < 200 && !(await filesBelow(incomingDir)).some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 10));
  t.true(
    (await filesBelow(incomingDir)).some((f) => f.endsWith('.part')),
    'the upload was under way',
  );
  req.destroy();
  let left: string[] = [];
  for (let i = 0; i < 200; i++) {
    left = await filesBelow(stateDir);
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  t.deepEqual(left, []);
});

test('a token stops working when its job is unregistered, and uploads in flight are cut', async (t) => {
  const { endpoint, stateDir } = await setup(t);
  const { token, incomingDir } = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.from('ctx') });
  t.is((await send(`${endpoint.url}/jobs/job-a/context.tar`, { headers: bearer(token) })).status, 200);
  const req = request(`${endpoint.url}/jobs/job-a/upload/${BINPKG}`, { method: 'PUT', headers: { ...bearer(token), 'Content-Length': '1000000' } });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(100_000, 1));
  for (let i = 0; i < 200 && !(await filesBelow(incomingDir)).length; i++) await new Promise((r) => setTimeout(r, 10));
  await endpoint.unregisterJob('job-a');
  t.deepEqual(await filesBelow(stateDir), [], 'the upload in flight was cut and its .part removed before unregisterJob resolved');
  t.is((await send(`${endpoint.url}/jobs/job-a/context.tar`, { headers: bearer(token) })).status, 403);
  t.is((await send(`${endpoint.url}/jobs/job-a/upload/Packages`, { method: 'PUT', body: 'x', headers: bearer(token) })).status, 403);
  t.deepEqual(await filesBelow(stateDir), []);
  req.destroy();
});

test('the binhost route serves a partition read-only, without a token; serveFile serves one file', async (t) => {
  const { endpoint, binhostRoot, root } = await setup(t);
  const index = 'TIMESTAMP: 1\nVERSION: 0\n\n';
  await writeFile(join(binhostRoot, 'amd64/test/Packages'), index);
  await mkdir(join(binhostRoot, 'amd64/test/app-misc/foo'), { recursive: true });
  await writeFile(join(binhostRoot, 'amd64/test', BINPKG), 'binpkg bytes');
  const got = await send(`${endpoint.binhostUrl('amd64/test')}/Packages`);
  t.is(got.status, 200);
  t.is(got.body.toString(), index);
  t.is((await send(`${endpoint.url}/binhost/amd64/test/${BINPKG}`)).body.toString(), 'binpkg bytes');
  t.is((await send(`${endpoint.url}/binhost/amd64/test/Packages`, { method: 'PUT', body: 'evil' })).status, 405);
  t.is(await readFile(join(binhostRoot, 'amd64/test/Packages'), 'utf8'), index);
  t.is((await send(`${endpoint.url}/binhost/../state/x`)).status, 404);
  await writeFile(join(root, 'tree.tar'), 'tree');
  endpoint.serveFile('/trees/abc.tar', join(root, 'tree.tar'));
  t.is((await send(`${endpoint.url}/trees/abc.tar`)).body.toString(), 'tree');
  t.throws(() => endpoint.serveFile('/jobs/x/context.tar', join(root, 'tree.tar')));
});

test("a job's end report needs its token and a status, resolves `ended` once, and writes nothing", async (t) => {
  const { endpoint, stateDir } = await setup(t);
  const a = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  const b = endpoint.registerJob('job-b', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  let reported: unknown;
  void a.ended.then((r) => (reported = r));
  const url = `${endpoint.url}/jobs/job-a/end`;
  t.is((await send(url, { method: 'POST', body: '0' })).status, 401);
  t.is((await send(url, { method: 'POST', body: '0', headers: bearer(b.token) })).status, 403, "job b's token does not end job a");
  t.is((await send(url, { headers: bearer(a.token) })).status, 405);
  for (const body of ['', 'ok', '256', '-1', '0 1']) t.is((await send(url, { method: 'POST', body, headers: bearer(a.token) })).status, 400, body);
  await new Promise((r) => setImmediate(r));
  t.is(reported, undefined, 'nothing refused counts as a report');
  const good = await send(url, { method: 'POST', body: '0\n', headers: bearer(a.token) });
  t.is(good.status, 200);
  t.deepEqual(await a.ended, { status: 0 });
  t.is((await send(url, { method: 'POST', body: '1', headers: bearer(a.token) })).status, 200);
  t.deepEqual(await a.ended, { status: 0 }, 'the first report counts');
  await endpoint.unregisterJob('job-a');
  t.is((await send(url, { method: 'POST', body: '0', headers: bearer(a.token) })).status, 403, 'not after the job is unregistered');
  t.deepEqual(await filesBelow(stateDir), []);
});

test("`started` resolves at the job's first fetch of its context with its own token; a refused fetch or a HEAD is no start", async (t) => {
  const { endpoint } = await setup(t);
  const a = endpoint.registerJob('job-a', { partitionRel: 'amd64/test', context: Buffer.from('ctx') });
  const b = endpoint.registerJob('job-b', { partitionRel: 'amd64/test', context: Buffer.alloc(0) });
  let started = false;
  void a.started.then(() => (started = true));
  const url = `${endpoint.url}/jobs/job-a/context.tar`;
  t.is((await send(url)).status, 401);
  t.is((await send(url, { headers: bearer(b.token) })).status, 403, "job b's token fetches nothing of job a");
  t.is((await send(url, { method: 'HEAD', headers: bearer(a.token) })).status, 200);
  await new Promise((r) => setImmediate(r));
  t.false(started, 'no refused fetch and no HEAD counts as the start');
  const got = await send(url, { headers: bearer(a.token) });
  t.is(got.status, 200);
  await a.started;
  t.true(started);
});
