/**
 * The served pages in a real browser: Debian's headless Chromium driven by playwright-core
 * (no browser download) against `binfarm serve` on 127.0.0.1. Screenshots land in
 * test/.artifacts/ (gitignored); their paths are printed in the test log.
 */
import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { publishGeneration } from '../../core/publish/generations.ts';
import { LocalFs } from '../../core/publish/target-fs.ts';
import { CloneOrCopy } from '../../core/publish/transfers.ts';
import { BIN, cleanEnv } from '../cli/_cli.ts';
import { configTs, makeProject } from '../config/_project.ts';
import { makePartition, PARTITION } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url));
const DEBUG_PARTITION = 'amd64/default/linux/amd64/23.0/debug-9f8e7d6c';
const HOSTILE_USE = `amd64 <script>window.pwned=1</script> "q" & <img src=x onerror="window.pwned=2">`;

/** A target with PARTITION in two generations (the second current) and a plain local partition beside it. */
async function binhost(): Promise<string> {
  const local = mkdtempSync(join(tmpdir(), 'binfarm-pages-src-'));
  const root = mkdtempSync(join(tmpdir(), 'binfarm-pages-root-'));
  const target = { fs: new LocalFs(root), root, transfer: new CloneOrCopy() };
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1, use: 'amd64 nls' }]);
  await publishGeneration(target, part, PARTITION, { keep: 5 });
  makePartition(local, [
    { cpv: 'app-misc/hello-2.12.2', id: 1, use: 'amd64 nls' },
    { cpv: 'sci-libs/gsl-2.8-r1', id: 2, content: 'x'.repeat(5000), use: HOSTILE_USE },
  ]);
  await publishGeneration(target, part, PARTITION, { keep: 5 });
  makePartition(root, [{ cpv: 'sci-physics/root-6.32.08', id: 7, use: 'X debug' }], DEBUG_PARTITION);
  rmSync(local, { recursive: true, force: true });
  return root;
}

/** `binfarm serve --dir root --port 0`; resolves with its URL once it prints it. */
async function serve(t: import('ava').ExecutionContext, root: string): Promise<string> {
  const farm = makeProject(t, { 'binfarm.config.ts': configTs(`{ subjects: { tools: { sets: { tools: { 'app-misc/hello': {} } } } } }`) });
  const proc = execa(process.execPath, [BIN, 'serve', '--dir', root, '--port', '0'], { cwd: farm, env: cleanEnv(), extendEnv: false, reject: false });
  t.teardown(async () => {
    proc.kill('SIGINT');
    await proc;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    void proc.then((r) => reject(new Error(`serve exited ${r.exitCode}: ${r.stderr}`)));
  });
}

async function browser(t: import('ava').ExecutionContext): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'binfarm-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
      ...['--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ],
  });
  t.teardown(async () => {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return ctx;
}

function shot(t: import('ava').ExecutionContext, name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  t.log(`screenshot: ${path}`);
  return path;
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`pages-browser.test.ts: SKIPPED: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);
const browserTest = hasChromium ? test : test.skip;

browserTest('the binhost index and a partition page in headless Chromium: content, links, escaping, phone width; screenshots', async (t) => {
  const root = await binhost();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const url = await serve(t, root);
  const ctx = await browser(t);
  const page = await ctx.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) external.push(r.url());
  });

  // `/`: both partitions, with links
  const index = await page.goto(`${url}/`);
  t.is(index?.status(), 200);
  t.is(await page.title(), 'binhost');
  const items = await page.locator('ul.parts li').allInnerTexts();
  t.deepEqual(
    items.map((s) => s.replace(/, index of .*$/, '')),
    [`${DEBUG_PARTITION} — 1 package, not in generations`, `${PARTITION} — 2 packages, generation 2`],
  );
  await page.screenshot({ path: shot(t, 'serve-index.png'), fullPage: true });

  // follow the link like a user
  await page.locator(`a[href="/${PARTITION}/"]`).click();
  await page.waitForURL(`${url}/${PARTITION}/`);
  t.is(await page.locator('h1').innerText(), PARTITION);
  const rows = await page.locator('#packages tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  t.deepEqual(rows, [
    ['app-misc/hello', '2.12.2', '1', 'amd64 nls', '28 B', '2026-03-08 20:00 UTC'],
    ['sci-libs/gsl', '2.8-r1', '2', HOSTILE_USE, '4.9 KiB', '2026-03-08 20:00 UTC'],
  ]);
  t.is(await page.locator('#binrepos').innerText(), `[binfarm]\npriority = 100\nsync-uri = ${url}/${PARTITION}\nverify-signature = false\n`);
  const gens = await page
    .locator('#generations tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [tr.className, tr.querySelector('td')!.textContent, tr.textContent!.includes('current')]));
  t.deepEqual(gens, [['current', '2', true], ['', '1', false]]);
  t.is(await page.locator('script, img').count(), 0, 'the hostile USE string made no element');
  t.is(await page.evaluate('window.pwned'), undefined);
  t.deepEqual(dialogs, []);

  // a binpkg link downloads the binpkg itself
  const href = await page.locator('#packages a', { hasText: 'app-misc/hello' }).getAttribute('href');
  t.is(href, `/${PARTITION}/app-misc/hello/hello-2.12.2-1.gpkg.tar`);
  const bin = await page.request.get(`${url}${href}`);
  t.is(await bin.text(), 'gpkg app-misc/hello-2.12.2 1');
  t.is((await page.request.get(`${url}/${PARTITION}/current/.binfarm-generation.json`)).status(), 404);
  await page.screenshot({ path: shot(t, 'serve-partition.png'), fullPage: true });

  // readable on a phone: the page itself does not scroll sideways (wide tables scroll in their box)
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${url}/${PARTITION}`);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  t.true(overflow <= 0, `page is ${overflow}px wider than a 390px screen`);
  const phone = shot(t, 'serve-partition-phone.png');
  await page.screenshot({ path: phone, fullPage: true });
  t.true(statSync(phone).size > 1000);
  t.deepEqual(external, [], 'no request leaves the binhost');
});
