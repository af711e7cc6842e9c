import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { binreposSnippet, findPartitions, serveBinhost, urlSegments } from '../../core/binhost/serve.ts';
import { publishGeneration } from '../../core/publish/generations.ts';
import { LocalFs } from '../../core/publish/target-fs.ts';
import { CloneOrCopy } from '../../core/publish/transfers.ts';
import { makePartition, PARTITION } from './helpers.ts';

async function published() {
  const local = mkdtempSync(join(tmpdir(), 'binfarm-serve-src-'));
  const root = mkdtempSync(join(tmpdir(), 'binfarm-serve-root-'));
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1, content: 'the binpkg bytes' }]);
  await publishGeneration({ fs: new LocalFs(root), root, transfer: new CloneOrCopy() }, part, PARTITION, { keep: 5 });
  return { root, part };
}

/** A raw request, so nothing normalises the path before the server sees it. */
function raw(
  url: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves Packages and a binpkg through current, with Content-Length and Last-Modified; 304 on If-Modified-Since', async (t) => {
  const { root } = await published();
  const srv = await serveBinhost({ root, port: 0 });
  t.teardown(() => srv.close());
  const idx = await fetch(`${srv.url}/${PARTITION}/Packages`);
  t.is(idx.status, 200);
  const text = await idx.text();
  t.regex(text, /^PATH: app-misc\/hello\/hello-2\.12\.2-1\.gpkg\.tar$/m);
  t.is(idx.headers.get('content-length'), String(Buffer.byteLength(text)));
  t.truthy(idx.headers.get('last-modified'));
  t.is(idx.headers.get('content-type'), 'text/plain; charset=utf-8');
  const pkgPath = /^PATH: (.+)$/m.exec(text)![1]!;
  // a different real client too
  const curl = await execa('curl', ['-sS', '-D', '-', `${srv.url}/${PARTITION}/${pkgPath}`]);
  t.regex(curl.stdout, /^HTTP\/1\.1 200 OK/);
  t.regex(curl.stdout, /Content-Length: 16/i);
  t.true(curl.stdout.endsWith('the binpkg bytes'));
  const again = await fetch(`${srv.url}/${PARTITION}/Packages`, { headers: { 'If-Modified-Since': idx.headers.get('last-modified')! } });
  t.is(again.status, 304);
  const head = await fetch(`${srv.url}/${PARTITION}/Packages`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.headers.get('content-length'), String(Buffer.byteLength(text)));
});

test('--partition serves one partition at /', async (t) => {
  const { root } = await published();
  const srv = await serveBinhost({ root, port: 0, partition: PARTITION });
  t.teardown(() => srv.close());
  const r = await fetch(`${srv.url}/Packages`);
  t.is(r.status, 200);
  t.regex(await r.text(), /CPV: app-misc\/hello-2\.12\.2/);
  t.is((await fetch(`${srv.url}/${PARTITION}/Packages`)).status, 200);
});

test('404 for missing files and directories, 405 for writes, nothing outside the root', async (t) => {
  const { root } = await published();
  const secret = mkdtempSync(join(tmpdir(), 'binfarm-secret-'));
  writeFileSync(join(secret, 'passwd'), 'secret');
  symlinkSync(join(secret, 'passwd'), join(root, 'escape'));
  const srv = await serveBinhost({ root, port: 0 });
  t.teardown(() => srv.close());
  t.is((await raw(srv.url, `/${PARTITION}/nope.gpkg.tar`)).status, 404);
  t.is((await raw(srv.url, `/${PARTITION}/app-misc`)).status, 404);
  t.is((await raw(srv.url, '/../../../../etc/passwd')).status, 404);
  t.is((await raw(srv.url, '/%2e%2e/%2e%2e/etc/passwd')).status, 404);
  t.is((await raw(srv.url, `/${PARTITION}/..%2f..%2f..%2fescape`)).status, 404);
  const esc = await raw(srv.url, '/escape');
  t.is(esc.status, 404, 'a symlink pointing outside the root is not followed');
  t.false(esc.body.includes('secret'));
  t.is((await raw(srv.url, `/${PARTITION}/Packages`, 'PUT')).status, 405);
  t.is(urlSegments('/a/%00b'), undefined);
});

test('partitions are found and the binrepos.conf snippet is what Portage reads', async (t) => {
  const { root } = await published();
  t.deepEqual(await findPartitions(root), [PARTITION]);
  t.is(binreposSnippet('http://127.0.0.1:8080/x/'), '[binfarm]\npriority = 100\nsync-uri = http://127.0.0.1:8080/x\nverify-signature = false\n');
  t.truthy(readFileSync(join(root, PARTITION, 'current', 'Packages')));
});

test('a local binhost (partitions without generations) is served as it is', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'binfarm-serve-local-'));
  const part = makePartition(root, [{ cpv: 'sci-libs/gsl-2.8', id: 3, content: 'gsl' }]);
  t.deepEqual(await findPartitions(root), [PARTITION]);
  const srv = await serveBinhost({ root, port: 0 });
  t.teardown(() => srv.close());
  const r = await fetch(`${srv.url}/${PARTITION}/sci-libs/gsl/gsl-2.8-3.gpkg.tar`);
  t.is(r.status, 200);
  t.is(await r.text(), 'gsl');
  t.is(await (await fetch(`${srv.url}/${PARTITION}/Packages`)).text(), readFileSync(join(part, 'Packages'), 'utf8'));
});

test('pages: / and a partition answer HTML (GET and HEAD), the sync-uri follows the Host header; dotfiles answer 404', async (t) => {
  const { root } = await published();
  const srv = await serveBinhost({ root, port: 0 });
  t.teardown(() => srv.close());
  const index = await raw(srv.url, '/');
  t.is(index.status, 200);
  t.is(index.headers['content-type'], 'text/html; charset=utf-8');
  t.true(index.body.includes(`href="/${PARTITION}/"`));
  const head = await raw(srv.url, `/${PARTITION}/`, 'HEAD');
  t.is(head.status, 200);
  t.is(head.body, '');
  const html = (await raw(srv.url, `/${PARTITION}`, 'GET', { Host: 'binhost.example:8080' })).body;
  const plain = (await raw(srv.url, `/${PARTITION}/`)).body;
  t.is(head.headers['content-length'], String(Buffer.byteLength(plain)), 'HEAD announces the length of the GET body');
  t.true(html.includes(`sync-uri = http://binhost.example:8080/${PARTITION}\n`));
  t.regex(html, /<tr class="current"><td class="num">1<\/td>/);
  const hostile = await raw(srv.url, `/${PARTITION}`, 'GET', { Host: 'x"><script>' });
  t.false(hostile.body.includes('<script>'), 'a Host header that is no host name is not used');
  t.true(hostile.body.includes(`sync-uri = ${srv.url}/${PARTITION}\n`), 'then the address the client reached');
  t.is((await raw(srv.url, '/amd64/')).status, 200, 'a directory above partitions lists them');
  t.is((await raw(srv.url, '/arm64/')).status, 404);
  for (const p of [`/${PARTITION}/generations/1/.binfarm-generation.json`, `/${PARTITION}/current/.binfarm-generation.json`, '/.hidden']) {
    const r = await raw(srv.url, p);
    t.is(r.status, 404, p);
    t.false(r.body.includes('source'), p);
  }
  writeFileSync(join(root, '.hidden'), 'x');
  symlinkSync(`${PARTITION}/generations/1/.binfarm-generation.json`, join(root, 'marker-link'));
  t.is((await raw(srv.url, '/.hidden')).status, 404);
  t.is((await raw(srv.url, '/marker-link')).status, 404, 'a link to a dotfile is not followed either');
});

test('pages escape what the index says: a hostile USE string is text, not markup', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'binfarm-serve-esc-'));
  makePartition(root, [{ cpv: 'app-misc/evil-1.0', id: 1, use: '<script>alert(1)</script> "q" & <img src=x onerror=alert(2)>' }]);
  const srv = await serveBinhost({ root, port: 0 });
  t.teardown(() => srv.close());
  const r = await fetch(`${srv.url}/${PARTITION}/`);
  const html = await r.text();
  t.false(html.includes('<script>'));
  t.false(html.includes('<img'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; &lt;img src=x onerror=alert(2)&gt;'));
  t.regex(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
});
