/**
 * The from image's scan is kept by image ID and CONFIG_PROTECT (core/assemble/direct/scan-cache.ts):
 * a later assembly from the same image does not read its filesystem again.
 */
import test from 'ava';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyScan, type BaseScan } from '../../../core/assemble/direct/base-scan.ts';
import { cachedScan } from '../../../core/assemble/direct/scan-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'binfarm-scan-cache-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const sample = (): BaseScan => ({
  ...emptyScan(),
  nodes: new Map([
    ['bin', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, uname: 'root', gname: 'root', linkname: 'usr/bin' }],
    ['etc', { type: 'directory', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root' }],
  ]),
  protectedMd5: new Map([['etc/hello.conf', 'd41d8cd98f00b204e9800998ecf8427e']]),
  owners: new Map([['usr/bin/hello', 'app-misc/hello-1']]),
  installed: [{ cpv: 'app-misc/hello-1', slot: '0', counter: 7 }],
  vdbFiles: new Map([['var/db/pkg/app-misc/hello-1/SLOT', Buffer.from([0, 255, 10])]]),
  counter: 7,
  world: 'app-misc/hello\n',
  worldSets: '',
});

test.serial('the second scan of an image comes from the cache, equal to the first; other CONFIG_PROTECT or image: read again', async (t) => {
  const sub = join(dir, 'a');
  let reads = 0;
  const read = async () => {
    reads++;
    return sample();
  };
  const protect = { protect: ['/etc'], mask: [] };
  const first = await cachedScan(sub, 'sha256:aaaa', protect, read);
  const second = await cachedScan(sub, 'sha256:aaaa', protect, read);
  t.false(first.cached);
  t.true(second.cached);
  t.is(reads, 1);
  t.deepEqual(second.scan, sample());
  t.false((await cachedScan(sub, 'sha256:aaaa', { protect: ['/etc', '/usr/share/config'], mask: [] }, read)).cached);
  t.false((await cachedScan(sub, 'sha256:bbbb', protect, read)).cached);
  t.is(reads, 3);
});

test.serial('a damaged cache file is read again and replaced', async (t) => {
  const sub = join(dir, 'b');
  const protect = { protect: [], mask: [] };
  await cachedScan(sub, 'sha256:cccc', protect, async () => sample());
  const [file] = readdirSync(sub);
  writeFileSync(join(sub, file!), '{"format": 1, "imageId": "sha256:cccc", "nod');
  let reads = 0;
  const again = await cachedScan(sub, 'sha256:cccc', protect, async () => (reads++, sample()));
  t.false(again.cached);
  t.is(reads, 1);
  t.true((await cachedScan(sub, 'sha256:cccc', protect, async () => sample())).cached);
});
