import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCacheDir } from '../../core/binhost/verify-cache.ts';
import { assertCompleteGeneration } from '../../core/publish/completeness.ts';
import { publishGeneration, type PublishTarget } from '../../core/publish/generations.ts';
import { LocalFs } from '../../core/publish/target-fs.ts';
import { CloneOrCopy } from '../../core/publish/transfers.ts';
import { STATE_VERSION, writeSubjectState } from '../../core/plan/state.ts';
import { makePartition, PARTITION } from './helpers.ts';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `binfarm-${p}-`));
const HELLO = 'app-misc/hello/hello-2.12.2-1.gpkg.tar';
const GSL = 'sci-libs/gsl/gsl-2.8-1.gpkg.tar';
const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

function dirTarget(root: string): PublishTarget {
  return { fs: new LocalFs(root), root, transfer: new CloneOrCopy() };
}

const pkgs = [
  { cpv: 'app-misc/hello-2.12.2', id: 1, content: 'hello bytes' },
  { cpv: 'sci-libs/gsl-2.8', id: 1, content: 'gsl bytes' },
];

test('a local binpkg changed in place after publishing leaves the published generation unchanged', async (t) => {
  const part = makePartition(tmp('src'), pkgs);
  const target = dirTarget(tmp('dst'));
  await publishGeneration(target, part, PARTITION, { keep: 3 });
  writeFileSync(join(part, GSL), 'GSL BYTES'); // in place, same inode
  t.is(readFileSync(join(target.root, PARTITION, 'generations/1', GSL), 'utf8'), 'gsl bytes');
});

test('a corrupted published file is noticed: a fresh generation, not "already has this content"; sound files are shared with it', async (t) => {
  const src = tmp('src');
  const part = makePartition(src, pkgs);
  const target = dirTarget(tmp('dst'));
  const cacheDir = verifyCacheDir(tmp('state'));
  const lines: string[] = [];
  const opts = { keep: 3, cacheDir, log: (l: string) => lines.push(l) };
  t.is((await publishGeneration(target, part, PARTITION, opts)).generation, 1);
  t.true((await publishGeneration(target, part, PARTITION, opts)).unchanged);

  const gen1 = join(target.root, PARTITION, 'generations/1');
  rmSync(join(gen1, GSL));
  writeFileSync(join(gen1, GSL), 'gsl BYTES'); // same size, other bytes
  const r = await publishGeneration(target, part, PARTITION, opts);
  t.false(r.unchanged);
  t.is(r.generation, 2);
  t.deepEqual(r.damaged?.files.map((f) => [f.path, f.kind]), [[GSL, 'corrupt']]);
  t.true(lines.some((l) => /generation 1: sci-libs\/gsl\/gsl-2\.8-1\.gpkg\.tar \(sci-libs\/gsl-2\.8-1\) is corrupt: MD5/.test(l)), lines.join('\n'));
  t.true(lines.some((l) => /generation 1 is damaged; publishing a fresh generation/.test(l)));
  const gen2 = join(target.root, PARTITION, 'generations/2');
  t.is(readFileSync(join(gen2, GSL), 'utf8'), 'gsl bytes', 'the bad file is not carried over');
  t.not(statSync(join(gen2, HELLO)).ino, statSync(join(gen1, HELLO)).ino, 'nothing is shared with a damaged generation');
  t.true((await publishGeneration(target, part, PARTITION, opts)).unchanged);

  // a published file that is gone counts too
  rmSync(join(gen2, HELLO));
  const r3 = await publishGeneration(target, part, PARTITION, opts);
  t.is(r3.generation, 3);
  t.deepEqual(r3.damaged?.files.map((f) => [f.path, f.kind]), [[HELLO, 'missing']]);

  // new content on a sound generation: verified, identical files are shared with it
  makePartition(src, [...pkgs, { cpv: 'dev-libs/boost-1.88.0', id: 1 }]);
  const r4 = await publishGeneration(target, part, PARTITION, opts);
  t.is(r4.generation, 4);
  const gen3 = join(target.root, PARTITION, 'generations/3');
  const gen4 = join(target.root, PARTITION, 'generations/4');
  t.is(statSync(join(gen4, HELLO)).ino, statSync(join(gen3, HELLO)).ino);
  t.not(statSync(join(gen4, HELLO)).ino, statSync(join(part, HELLO)).ino);
});

test('publish refuses a generation that lacks a binpkg an image of the partition contains', async (t) => {
  const stateDir = tmp('state');
  const part = makePartition(tmp('src'), pkgs);
  const state = (subject: string, packages: string[], rel = PARTITION) =>
    writeSubjectState(stateDir, {
      version: STATE_VERSION,
      subject,
      key: 'k',
      inputs: {},
      sources: {},
      image: { ref: `x/${subject}:k`, id: 'sha256:0' },
      partition: { rel, dir: part },
      packages,
      built: [],
      binary: [],
      portageVersion: '3.0.82',
      runId: 'r',
      builtAt: new Date().toISOString(),
    });
  await state('hep-core', [HELLO, GSL]);
  await state('mc-sim', [GSL, 'sci-physics/geant4/geant4-11.3.2-1.gpkg.tar']);
  await state('other', ['x/y/y-1-1.gpkg.tar'], 'another/partition');
  await t.notThrowsAsync(assertCompleteGeneration(stateDir, part, PARTITION, ['hep-core']));
  const err = await t.throwsAsync(assertCompleteGeneration(stateDir, part, PARTITION, ['hep-core', 'mc-sim', 'other']));
  t.is((err as unknown as { code: string }).code, 'E_PUBLISH');
  t.regex(err!.message, /refusing to publish partition \S+: .*\n {2}mc-sim: sci-physics\/geant4-11\.3\.2-1$/);
  t.regex((err as unknown as { hint: string }).hint, /binfarm run mc-sim/);
});

test('binhost verify names bad files of partitions and published generations and exits 1; --fix quarantines the local ones only', async (t) => {
  const dir = tmp('farm');
  const binhost = join(dir, 'binhost');
  const part = makePartition(binhost, pkgs);
  const published = join(dir, 'published');
  await publishGeneration(dirTarget(published), part, PARTITION, { keep: 3 });
  writeFileSync(
    join(dir, '.binfarmrc.json'),
    JSON.stringify({
      name: 'verify-test',
      stateDir: join(dir, 'state'),
      stage3: { type: 'local', image: 'stage3:none' },
      tree: { type: 'dir', path: join(dir, 'tree') },
      binhost: { dir: binhost, publish: [{ type: 'dir', path: published }] },
    }),
  );
  const cli = (...args: string[]) => execa('node', [BIN, '--cwd', dir, 'binhost', 'verify', ...args], { reject: false });

  const ok = await cli();
  t.is(ok.exitCode, 0, ok.stderr);
  t.regex(ok.stdout, new RegExp(`partition ${PARTITION.replace(/\./g, '\\.')}: 2 binpkgs, ok`));
  t.regex(ok.stdout, /generation 1 \(current\): 2 binpkgs, ok/);

  writeFileSync(join(part, GSL), 'gsl BYTES');
  const pubHello = join(published, PARTITION, 'generations/1', HELLO);
  rmSync(pubHello);
  writeFileSync(pubHello, 'HELLO BYTES');
  const bad = await cli();
  t.is(bad.exitCode, 1);
  t.regex(bad.stdout, /partition \S+: 2 binpkgs, 1 bad\n {4}BAD sci-libs\/gsl\/gsl-2\.8-1\.gpkg\.tar \(sci-libs\/gsl-2\.8\): corrupt: MD5/);
  t.regex(bad.stdout, /generation 1 \(current\): 2 binpkgs, 1 bad\n {4}BAD app-misc\/hello\/hello-2\.12\.2-1\.gpkg\.tar \(app-misc\/hello-2\.12\.2\): corrupt/);
  t.regex(bad.stderr, /binhost verify --fix/);
  t.true(existsSync(join(part, GSL)), 'without --fix nothing moves');

  const fix = await cli('--fix');
  t.is(fix.exitCode, 1, 'the published generation is still bad');
  t.regex(fix.stdout, /quarantined to \S+\/state\/quarantine\//);
  t.false(existsSync(join(part, GSL)));
  t.false(readFileSync(join(part, 'Packages'), 'utf8').includes(GSL));
  t.is(readFileSync(pubHello, 'utf8'), 'HELLO BYTES', 'published generations are never touched');
  t.regex(fix.stderr, /immutable and never repaired: `binfarm run --publish`/);

  const after = await cli();
  t.regex(after.stdout, /partition \S+: 1 binpkg, ok/);
});
