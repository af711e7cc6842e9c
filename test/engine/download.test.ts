import test from 'ava';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fetchSource } from '../../core/util/download.ts';
import { serveDir } from './http-server.ts';
import { tempDir } from './helpers.ts';

test('missing remote file: E_DOWNLOAD with the status; optional probes resolve to undefined', async (t) => {
  const dir = await tempDir(t);
  const http = await serveDir(dir);
  t.teardown(() => http.close());
  const opts = { rootDir: dir, cacheDir: join(dir, 'cache') };
  const e = await t.throwsAsync(fetchSource(`${http.url}/nope.tar.xz`, opts));
  t.is((e as { code?: string }).code, 'E_DOWNLOAD');
  t.regex(e!.message, /HTTP 404/);
  t.is(await fetchSource(`${http.url}/nope.tar.xz.DIGESTS`, { ...opts, optional: true }), undefined);
  const local = await t.throwsAsync(fetchSource('missing/stage3.tar.xz', opts));
  t.regex(local!.message, /missing\/stage3\.tar\.xz does not exist \(looked for .*\/missing\/stage3\.tar\.xz\)/);
});

test('a download cut short fails and leaves no file that looks complete; the next one succeeds', async (t) => {
  const dir = await tempDir(t);
  const body = Buffer.alloc(256 * 1024, 7);
  let cut = true;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    if (cut) {
      res.write(body.subarray(0, 1000));
      setTimeout(() => res.destroy(), 50);
    } else res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.address() as { port: number };
  const url = `http://127.0.0.1:${addr.port}/stage3-amd64-openrc-x.tar.xz`;
  const opts = { rootDir: dir, cacheDir: join(dir, 'cache') };
  const e = await t.throwsAsync(fetchSource(url, opts));
  t.is((e as { code?: string }).code, 'E_DOWNLOAD');
  const sub = await readdir(join(dir, 'cache', 'downloads'));
  t.deepEqual(await readdir(join(dir, 'cache', 'downloads', sub[0]!)), [], 'no partial file, no temp file');
  cut = false;
  const lines: string[] = [];
  const path = await fetchSource(url, { ...opts, onProgress: (l) => lines.push(l) });
  t.is(path, join(dir, 'cache', 'downloads', sub[0]!, 'stage3-amd64-openrc-x.tar.xz'));
  t.true(lines.some((l) => l.includes('MB downloaded')));
});
