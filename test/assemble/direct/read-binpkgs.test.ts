/**
 * Reading the binpkgs of a direct assembly checks each against its Packages entry on the bytes it
 * reads (core/assemble/direct/read-binpkgs.ts): no separate pass, the same findings as the digest check.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metaText } from '../../../core/assemble/direct/gpkg-read.ts';
import { readBinpkgs } from '../../../core/assemble/direct/read-binpkgs.ts';
import { corruptBinpkgs } from '../../../core/assemble/binpkg-digests.ts';
import { writeGpkg } from '../../fixtures/gpkg.ts';

const dir = mkdtempSync(join(tmpdir(), 'binfarm-read-binpkgs-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

async function partition(n: number): Promise<Array<{ file: string; entry: Record<string, string> }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const pf = `p${i}-1.0`;
    const rel = await writeGpkg(dir, {
      cat: 'app-misc',
      pf,
      buildId: 1,
      compress: 'gz',
      metadata: { SLOT: '0' },
      files: [{ path: `usr/share/p${i}.txt`, type: 'file', data: `package ${i}\n`.repeat(100 * (n - i)) }],
    });
    const body = readFileSync(join(dir, rel));
    const hex = (h: string) => createHash(h).update(body).digest('hex');
    out.push({
      file: join(dir, rel),
      entry: { CPV: `app-misc/${pf}`, PATH: rel, SIZE: String(body.length), MD5: hex('md5'), SHA1: hex('sha1'), BLAKE2B: hex('blake2b512') },
    });
  }
  return out;
}

test.serial('every binpkg is read, in input order, when it matches its entry', async (t) => {
  const list = await partition(6);
  const r = await readBinpkgs(list, dir, 3);
  t.deepEqual(r.corrupt, []);
  t.deepEqual(
    r.gpkgs.map((g) => metaText(g!, 'PF')),
    list.map((_, i) => `p${i}-1.0`),
  );
});

test.serial('a changed byte, a wrong SIZE and a missing file are what the digest check reports', async (t) => {
  const list = await partition(4);
  const flipped = readFileSync(list[1]!.file);
  const at = Math.floor(flipped.length / 2);
  flipped[at] = flipped[at]! ^ 0xff; // same size: only the digests tell
  writeFileSync(list[1]!.file, flipped);
  list[2]!.entry.SIZE = String(statSync(list[2]!.file).size + 1);
  list[3]!.entry.PATH = 'app-misc/p3/gone-1.gpkg.tar';
  const r = await readBinpkgs(list, dir, 2);
  const expected = await corruptBinpkgs(
    dir,
    list.map((p) => p.entry),
  );
  t.deepEqual(r.corrupt, expected);
  t.deepEqual(
    r.corrupt.map((c) => [c.cpv, c.problem.split(' ')[0]]),
    [
      ['app-misc/p1-1.0', 'MD5'],
      ['app-misc/p1-1.0', 'SHA1'],
      ['app-misc/p1-1.0', 'BLAKE2B'],
      ['app-misc/p2-1.0', 'size'],
      ['app-misc/p3-1.0', 'the'],
    ],
  );
  t.truthy(r.gpkgs[0]);
  t.is(r.gpkgs[1], undefined);
});
