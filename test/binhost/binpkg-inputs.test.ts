import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_INPUTS, PerPackageInputs, describeChange } from '../../core/binhost/binpkg-inputs.ts';
import { cpnOf, readInputsRecord, recordBuiltInputs, INPUTS_RECORD } from '../../core/binhost/inputs-record.ts';
import { chooseExclusions, reusesBinpkgs, suspectBinpkgs } from '../../core/emerge/usepkg-exclude.ts';
import { usepkgExcludeArgs } from '../../core/emerge/argv.ts';
import type { PackagesIndex } from '../../core/binhost/packages-index.ts';

const cfg = (o: Record<string, string>) => new PerPackageInputs(new Map(Object.entries(o)));

test('a package without patches, package.env or bashrc has no inputs', (t) => {
  t.is(cfg({ 'package.use/x': 'app-misc/foo bar\n' }).of('app-misc/foo').digest, NO_INPUTS);
});

test('user patches of every directory form count for the package, and only for it', (t) => {
  const base = { 'patches/app-misc/foo/0001.patch': 'a' };
  const d0 = cfg(base).of('app-misc/foo');
  t.not(d0.digest, NO_INPUTS);
  t.truthy(d0.parts.patches);
  t.not(cfg({ 'patches/app-misc/foo/0001.patch': 'b' }).of('app-misc/foo').digest, d0.digest, 'content');
  t.not(cfg({ 'patches/app-misc/foo/0002.patch': 'a' }).of('app-misc/foo').digest, d0.digest, 'name');
  for (const dir of ['foo-1.2', 'foo-1.2-r1', 'foo:0', 'foo-1.2:2']) {
    t.not(cfg({ [`patches/app-misc/${dir}/x.patch`]: 'a' }).of('app-misc/foo').digest, NO_INPUTS, dir);
  }
  t.is(cfg({ 'patches/app-misc/foo-bar/x.patch': 'a' }).of('app-misc/foo').digest, NO_INPUTS, 'foo-bar is another package');
  t.is(cfg({ 'patches/app-misc/foo/x.patch': 'a' }).of('dev-libs/foo').digest, NO_INPUTS, 'another category');
  t.is(cfg({ 'patches/app-misc/foo/.x.patch': 'a', 'patches/app-misc/foo/x.patch~': 'b' }).of('app-misc/foo').digest, NO_INPUTS, 'names Portage ignores');
});

test('package.env lines (wildcards too) and the content of the env files they name count', (t) => {
  const files = { 'package.env/50-x': 'app-misc/foo big.conf\n', 'env/big.conf': 'MAKEOPTS="-j4"\n' };
  const d = cfg(files).of('app-misc/foo');
  t.truthy(d.parts['package.env']);
  t.is(cfg(files).of('app-misc/bar').digest, NO_INPUTS);
  t.not(cfg({ ...files, 'env/big.conf': 'CFLAGS="-O3"\n' }).of('app-misc/foo').digest, d.digest, 'env file content');
  t.not(cfg({ 'package.env/50-x': 'app-misc/foo big.conf\n' }).of('app-misc/foo').digest, d.digest, 'env file missing');
  t.is(cfg({ ...files, 'package.env/60-y': 'dev-libs/other big.conf\n' }).of('app-misc/foo').digest, d.digest, "another package's line");
  t.not(cfg({ 'package.env': '*/* big.conf\n', 'env/big.conf': 'x' }).of('sci-libs/gsl').digest, NO_INPUTS, 'wildcard');
  t.not(cfg({ 'package.env': '>=app-misc/foo-2 big.conf\n# c\n', 'env/big.conf': 'x' }).of('app-misc/foo').digest, NO_INPUTS, 'versioned atom');
  t.not(cfg({ 'env/app-misc/foo': 'post_src_install() { :; }\n' }).of('app-misc/foo').parts.bashrc, undefined, 'per-package bashrc');
});

test('describeChange names what changed', (t) => {
  t.is(describeChange({ patches: 'a' }, { patches: 'b' }), 'patches changed');
  t.is(describeChange({ patches: 'a' }, {}), 'patches removed');
  t.is(describeChange({}, { 'package.env': 'x', patches: 'a' }), 'patches added, package.env added');
});

test('cpnOf strips the version', (t) => {
  t.is(cpnOf('app-misc/foo-bar-1.0-r1'), 'app-misc/foo-bar');
  t.is(cpnOf('sci-physics/geant4-11.3.2'), 'sci-physics/geant4');
});

const index = (...blocks: Array<Record<string, string>>): PackagesIndex => ({ header: {}, packages: blocks });

test('the record maps each built binpkg (newest instance) to its inputs; suspects are binpkgs built from other inputs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-inputs-'));
  const old = { CPV: 'app-misc/foo-1.0', BUILD_ID: '1', BUILD_TIME: '100', PATH: 'app-misc/foo/foo-1.0-1.gpkg.tar' };
  const neu = { CPV: 'app-misc/foo-1.0', BUILD_ID: '2', BUILD_TIME: '200', PATH: 'app-misc/foo/foo-1.0-2.gpkg.tar' };
  const gsl = { CPV: 'sci-libs/gsl-2.8', BUILD_ID: '1', BUILD_TIME: '50', PATH: 'sci-libs/gsl/gsl-2.8-1.gpkg.tar' };
  const v1 = cfg({ 'patches/app-misc/foo/a.patch': '1' });
  await recordBuiltInputs(dir, index(old, gsl), ['app-misc/foo-1.0', 'sci-libs/gsl-2.8'], (c) => v1.of(c), { subject: 's', runId: 'r1' });
  const v2 = cfg({ 'patches/app-misc/foo/a.patch': '2' });
  await recordBuiltInputs(dir, index(old, neu, gsl), ['app-misc/foo-1.0'], (c) => v2.of(c), { subject: 's', runId: 'r2' });
  const rec = await readInputsRecord(dir);
  t.is(rec.binpkgs[old.PATH]!.digest, v1.of('app-misc/foo').digest);
  t.is(rec.binpkgs[neu.PATH]!.digest, v2.of('app-misc/foo').digest, 'the newest instance got the new record');
  t.is(rec.binpkgs[gsl.PATH]!.digest, NO_INPUTS);

  const s = suspectBinpkgs(index(old, neu, gsl), rec, (c) => v2.of(c));
  t.deepEqual(s.map((x) => `${x.cpv}-${x.buildId}: ${x.why}`), ['app-misc/foo-1.0-1: patches changed since its binpkg was built']);
  t.deepEqual(suspectBinpkgs(index(old, neu, gsl), rec, (c) => cfg({}).of(c)).map((x) => x.buildId), ['1', '2'], 'patches removed: both instances');
  // a file replaced under the same PATH (another BUILD_TIME) has no record
  const unrecorded = suspectBinpkgs(index({ ...gsl, BUILD_TIME: '51' }), rec, (c) => cfg({ 'patches/sci-libs/gsl/x.patch': 'p' }).of(c));
  t.regex(unrecorded[0]!.why, /patches now apply, and its binpkg has no record/);
  t.deepEqual(suspectBinpkgs(index({ ...gsl, BUILD_TIME: '51' }), rec, (c) => cfg({}).of(c)), [], 'no inputs and no record: built before binfarm recorded inputs, nothing to differ');

  writeFileSync(join(dir, INPUTS_RECORD), '{ garbage');
  await t.throwsAsync(readInputsRecord(dir), { message: /inputs\.json is not JSON/ });
});

test('only suspects Portage would actually reuse are excluded; a failed pretend excludes them all', async (t) => {
  const suspects = [
    { cpn: 'app-misc/foo', cpv: 'app-misc/foo-1.0', buildId: '1', why: 'patches changed since its binpkg was built' },
    { cpn: 'dev-libs/bar', cpv: 'dev-libs/bar-2', buildId: '3', why: 'package.env changed since its binpkg was built' },
  ];
  const seen: string[][] = [];
  const r = await chooseExclusions(suspects, async (ex) => {
    seen.push([...ex]);
    return [
      { type: 'binary', attrs: 'R', cpv: 'app-misc/foo-1.0', buildId: '2' }, // a newer instance, built from the current inputs
      ...(ex.includes('dev-libs/bar') ? [{ type: 'ebuild' as const, attrs: 'N', cpv: 'dev-libs/bar-2' }] : [{ type: 'binary' as const, attrs: 'R', cpv: 'dev-libs/bar-2', buildId: '3' }]),
    ];
  });
  t.deepEqual(r, { excluded: [{ cpn: 'dev-libs/bar', why: 'package.env changed since its binpkg was built' }], pretendFailed: false });
  t.deepEqual(seen, [[], ['dev-libs/bar']], 'pretend again with the exclusion until nothing new turns up');
  const failed = await chooseExclusions(suspects, async () => undefined);
  t.deepEqual(failed.excluded.map((x) => x.cpn), ['app-misc/foo', 'dev-libs/bar']);
  t.true(failed.pretendFailed);
  t.deepEqual(await chooseExclusions([], async () => t.fail('no pretend without suspects') as never), { excluded: [], pretendFailed: false });
});

test('--usepkg-exclude argv', (t) => {
  t.deepEqual(usepkgExcludeArgs([]), []);
  t.deepEqual(usepkgExcludeArgs(['app-misc/foo', 'dev-libs/bar']), ['--usepkg-exclude', 'app-misc/foo dev-libs/bar']);
  t.true(reusesBinpkgs(['emerge', '--usepkg', '@x']));
  t.true(reusesBinpkgs(['emerge', '-bk', '@x']));
  t.false(reusesBinpkgs(['emerge', '--buildpkg', '@x']));
});
