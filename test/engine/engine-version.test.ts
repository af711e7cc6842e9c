/**
 * The version check of httpEngineApi (core/engine/engine-api.ts) reads the version and API version
 * from the headers of Docker's /_ping (the daemon's /version first asks containerd and runc for
 * theirs); an engine whose ping does not name both is asked /version. A real HTTP server on a unix
 * socket stands in for the daemon, so each answer can be chosen.
 */
import test from 'ava';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpEngineApi } from '../../core/engine/engine-api.ts';

async function engine(t: { teardown: (fn: () => void) => void }, answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-engine-version-'));
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
  t.teardown(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { api: httpEngineApi({ socketPath: join(dir, 'docker.sock') })!, paths };
}

const VERSION_JSON = JSON.stringify({ Version: '27.3.1', ApiVersion: '1.47' });

test("Docker's ping answers the version check: no /version request", async (t) => {
  const { api, paths } = await engine(t, (req, res) => {
    if (req.url !== '/_ping') return res.writeHead(500).end('{"message":"not this one"}');
    res.writeHead(200, { Server: 'Docker/27.3.1 (linux)', 'API-Version': '1.47', 'Content-Type': 'text/plain' }).end('OK');
  });
  t.deepEqual(await api.version(), { Version: '27.3.1', ApiVersion: '1.47' });
  t.deepEqual(paths, ['/_ping']);
});

test('a ping without both headers, or failing, falls back to /version and its errors', async (t) => {
  let versionStatus = 200;
  const { api, paths } = await engine(t, (req, res) => {
    if (req.url === '/_ping') return res.writeHead(200, { Server: 'Libpod/5.0.0 (linux)', 'API-Version': '1.41' }).end('OK');
    res.writeHead(versionStatus, { 'Content-Type': 'application/json' }).end(versionStatus === 200 ? VERSION_JSON : '{"message":"daemon trouble"}');
  });
  t.deepEqual(await api.version(), { Version: '27.3.1', ApiVersion: '1.47' });
  t.deepEqual(paths, ['/_ping', '/version']);
  versionStatus = 500;
  const e = (await t.throwsAsync(api.version())) as Error & { statusCode?: number; reason?: string };
  t.is(e.statusCode, 500);
  t.is(e.reason, 'server error');
  t.regex(e.message, /daemon trouble/);
});

test('a ping that fails is not the answer either', async (t) => {
  const { api, paths } = await engine(t, (req, res) => {
    if (req.url === '/_ping') return res.writeHead(503, { Server: 'Docker/27.3.1 (linux)', 'API-Version': '1.47' }).end('starting');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(VERSION_JSON);
  });
  t.deepEqual(await api.version(), { Version: '27.3.1', ApiVersion: '1.47' });
  t.deepEqual(paths, ['/_ping', '/version']);
});
