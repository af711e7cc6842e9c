import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcilePartition } from '../../core/binhost/reconcile.ts';
import { BinpkgCheck } from '../../core/plan/binpkg-check.ts';
import { formatReason } from '../../core/plan/print.ts';
import { makePartition, PARTITION } from '../binhost/helpers.ts';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `binfarm-${p}-`));
const HELLO = 'app-misc/hello/hello-2.12.2-1.gpkg.tar';
const GSL = 'sci-libs/gsl/gsl-2.8-1.gpkg.tar';

function setup() {
  const stateDir = tmp('state');
  const dir = makePartition(tmp('binhost'), [
    { cpv: 'app-misc/hello-2.12.2', id: 1, content: 'hello bytes' },
    { cpv: 'sci-libs/gsl-2.8', id: 1, content: 'gsl bytes' },
  ]);
  return { stateDir, dir };
}

test('sound recorded binpkgs give no reason', async (t) => {
  const { stateDir, dir } = setup();
  t.deepEqual(await new BinpkgCheck(stateDir).reasons(dir, PARTITION, [HELLO, GSL]), []);
});

test('a binpkg changed in place: binpkg corrupt, with what differed', async (t) => {
  const { stateDir, dir } = setup();
  await new BinpkgCheck(stateDir).reasons(dir, PARTITION, [HELLO, GSL]); // verified and cached
  writeFileSync(join(dir, GSL), 'gsl BYTES');
  const [r, ...rest] = await new BinpkgCheck(stateDir).reasons(dir, PARTITION, [HELLO, GSL]);
  t.is(rest.length, 0);
  t.is(r!.change, 'binpkg corrupt: sci-libs/gsl-2.8-1');
  t.regex(formatReason(r!), /^binpkg corrupt: sci-libs\/gsl-2\.8-1 \(MD5 [0-9a-f]+, the index says [0-9a-f]+; SHA1 .*\)$/);
});

test('after reconcile quarantined it, the file is still reported corrupt (not just missing)', async (t) => {
  const { stateDir, dir } = setup();
  writeFileSync(join(dir, GSL), 'gsl BYTES');
  await reconcilePartition({ stateDir, dir, rel: PARTITION, id: 'run-1', mode: 'cached' });
  const [r] = await new BinpkgCheck(stateDir).reasons(dir, PARTITION, [HELLO, GSL]);
  t.is(r!.change, 'binpkg corrupt: sci-libs/gsl-2.8-1');
  t.regex(r!.after!, /quarantined to .*quarantine\/.*\/run-1\/sci-libs\/gsl\/gsl-2\.8-1\.gpkg\.tar$/);
});

test('deleted, or present but left out of the index: binpkg missing', async (t) => {
  const { stateDir, dir } = setup();
  rmSync(join(dir, GSL));
  t.deepEqual(
    (await new BinpkgCheck(stateDir).reasons(dir, PARTITION, [GSL])).map((r) => [r.change, r.after]),
    [['binpkg missing: sci-libs/gsl-2.8-1', `${GSL} does not exist`]],
  );
  // an index rewritten without the entry (what `emaint binhost --fix` does to an unreadable file)
  writeFileSync(join(dir, GSL), 'gsl bytes');
  const text = readFileSync(join(dir, 'Packages'), 'utf8').split('\n\n').filter((b) => !b.includes(`PATH: ${GSL}`)).join('\n\n');
  writeFileSync(join(dir, 'Packages'), text);
  t.deepEqual(
    (await new BinpkgCheck(stateDir).reasons(dir, PARTITION, [GSL])).map((r) => [r.change, r.after]),
    [['binpkg missing: sci-libs/gsl-2.8-1', `${GSL} is not in the Packages index`]],
  );
});
