/**
 * binfarm.lock without Docker: the format (sorted keys, one package per line, versioned), its
 * errors (file and key named), drift (sources, removed and unlocked subjects, the tree's offer),
 * the pretend comparison of `run --locked`, and Gentoo version order.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_VERSION, parseLock, readLock, serializeLock, type LockFile } from '../../core/lock/format.ts';
import { formatDrift, hasDrift, lockDrift, treeOffer } from '../../core/lock/drift.ts';
import { comparePretend } from '../../core/lock/pretend-check.ts';
import { checkMerged } from '../../core/lock/locked-run.ts';
import { EMERGE_DATA } from '../../core/emerge/record.ts';
import { pretendPackages } from '../../core/lock/pretend-packages.ts';
import { vercmp } from '../../core/lock/vercmp.ts';
import type { ResolvedSources } from '../../core/sources/types.ts';
import type { RepoIndex } from '../../core/tree/index/types.ts';

const lock = (): LockFile => ({
  subjects: {
    science: { parent: 'base', key: 'k2', tree: 'sha256:t', packages: { 'dev-libs/mylib-1.4.2': { use: 'python', buildId: 1, repo: 'gentoo' } } },
    base: { key: 'k1', parent: null, stage3: 'sha256:s', tree: 'sha256:t', packages: { 'app-misc/viewer-2.1': { use: 'nls', buildId: 2 } } },
  },
  sources: { repos: { gentoo: 'sha256:t' }, stage3: 'sha256:s' },
  lockVersion: LOCK_VERSION,
});

test('serialized with sorted keys and one package per line, whatever the insertion order; round-trips', (t) => {
  const text = serializeLock(lock());
  t.is(text.indexOf('"lockVersion"') < text.indexOf('"sources"') && text.indexOf('"sources"') < text.indexOf('"subjects"'), true);
  t.true(text.indexOf('"base"') < text.indexOf('"science"'));
  t.true(text.includes('\n        "dev-libs/mylib-1.4.2": { "buildId": 1, "repo": "gentoo", "use": "python" }\n'));
  t.true(text.endsWith('}\n'));
  t.deepEqual(parseLock(text, 'x'), JSON.parse(text));
  const reordered = lock();
  reordered.subjects = { base: reordered.subjects.base!, science: reordered.subjects.science! };
  t.is(serializeLock(reordered), text);
});

test('a malformed or unknown-version lock names the file and the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-lock-'));
  const file = join(dir, 'binfarm.lock');
  const err = async (text: string) => {
    writeFileSync(file, text);
    return t.throwsAsync(() => readLock(file));
  };
  t.is(await readLock(file), undefined, 'no lock: undefined');
  t.regex((await err('{ "lockVersion": 1,'))!.message, new RegExp(`^${file} is not valid JSON`));
  const newer = (await err(JSON.stringify({ ...lock(), lockVersion: 2 })))!;
  t.is((newer as { code?: string }).code, 'E_LOCKFILE');
  t.is(newer.message, `${file}: key "lockVersion" is 2; this binfarm reads lock version 1`);
  t.regex((newer as { hint?: string }).hint!, /newer binfarm/);
  t.is((await err('{}'))!.message, `${file}: key "lockVersion" is missing; this binfarm reads lock version 1`);
  const badUse = lock() as any;
  badUse.subjects.science.packages['dev-libs/mylib-1.4.2'].use = ['python'];
  t.regex((await err(JSON.stringify(badUse)))!.message, new RegExp(`^${file}: key "subjects\\.science\\.packages\\.dev-libs/mylib-1\\.4\\.2\\.use": .*string`));
  const extra = lock() as any;
  extra.subjects.base.keyy = 'x';
  t.regex((await err(JSON.stringify(extra)))!.message, /key "subjects\.base\.keyy": Unrecognized key/);
});

const sources = (over: Partial<ResolvedSources> = {}): ResolvedSources => ({
  stage3: 'sha256:s',
  repos: [{ name: 'gentoo', source: { type: 'dir', path: 'tree' } as never, digest: 'sha256:t' }],
  tree: 'sha256:t',
  notes: [],
  ms: 0,
  indexes: async () => undefined,
  ...over,
});

test('drift: none when sources match; a moved source names both identities; removed and unlocked subjects are reported', async (t) => {
  const base = { file: '/f/binfarm.lock', lock: lock(), subjects: ['base', 'science'], states: new Map() };
  const same = await lockDrift({ ...base, sources: sources() });
  t.false(hasDrift(same));
  t.is(formatDrift(same), 'lock /f/binfarm.lock: no drift');

  const moved = await lockDrift({ ...base, subjects: ['base', 'analysis'], sources: sources({ stage3: 'sha256:s2' }) });
  t.deepEqual(moved.sources, [{ source: 'stage3', locked: 'sha256:s', now: 'sha256:s2' }]);
  t.deepEqual(moved.removed, ['science']);
  t.deepEqual(moved.unlocked, ['analysis']);
  const text = formatDrift(moved);
  t.true(text.includes('stage3: locked sha256:s, now resolves to sha256:s2'));
  t.true(text.includes('science: locked, but the config no longer defines this subject'));
  t.true(text.includes('analysis: not in the lock'));

  const unknown = await lockDrift({ ...base, sources: sources({ stage3: undefined, repos: [{ name: 'gentoo', source: {} as never }], tree: undefined }) });
  t.false(hasDrift(unknown));
  t.is(unknown.notes.length, 2);
});

test('drift: the tree offer of locked packages, per subject, once the tree moved', async (t) => {
  const index = (v: string[]): RepoIndex => ({
    version: 1,
    digest: 'sha256:t2',
    packages: { 'dev-libs/mylib': { d: 'x', v, e: [] } },
    eclasses: {},
    profiles: 'p',
  });
  t.deepEqual(treeOffer({ 'dev-libs/mylib-1.4.2': { use: '' } }, [{ name: 'gentoo', index: index(['1.4.2', '1.10']) }]), [
    'dev-libs/mylib: locked 1.4.2, the tree now also has 1.10',
  ]);
  t.deepEqual(treeOffer({ 'dev-libs/mylib-1.4.2': { use: '' } }, [{ name: 'gentoo', index: index(['1.5']) }]), [
    'dev-libs/mylib: locked 1.4.2, the tree now has 1.5',
  ]);
  t.deepEqual(treeOffer({ 'dev-libs/mylib-1.4.2': { use: '' } }, [{ name: 'gentoo', index: index(['1.4.2', '1.4.1']) }]), []);
  const d = await lockDrift({
    file: 'f',
    lock: lock(),
    subjects: ['base', 'science'],
    states: new Map(),
    sources: sources({
      repos: [{ name: 'gentoo', source: {} as never, digest: 'sha256:t2' }],
      tree: 'sha256:t2',
      indexes: async () => [{ name: 'gentoo', index: index(['1.4.2', '1.5']) }],
    }),
  });
  t.deepEqual(d.sources, [{ source: 'the tree', locked: 'sha256:t', now: 'sha256:t2' }]);
  t.deepEqual(d.subjects, [
    { subject: 'base', packages: [], builds: [], tree: ['app-misc/viewer: locked 2.1, the tree now has no version'] },
    { subject: 'science', packages: [], builds: [], tree: ['dev-libs/mylib: locked 1.4.2, the tree now also has 1.5'] },
  ]);
});

test('run --locked pretend check: version, USE (shown flags only) and the reused binpkg build', (t) => {
  const locked = lock().subjects.science!;
  const out = (line: string) => pretendPackages(`These are the packages that would be merged, in order:\n\n${line}\n\nTotal: 1 package`);
  t.deepEqual(comparePretend(locked, out('[binary   R    ] dev-libs/mylib-1.4.2-1::gentoo  USE="python -doc" 0 KiB')), []);
  t.deepEqual(comparePretend(locked, out('[ebuild  N     ] dev-libs/mylib-1.4.2::gentoo  USE="python" 0 KiB')), [], 'a source build may get a new build id');
  t.deepEqual(comparePretend(locked, out('[binary   R    ] dev-libs/mylib-1.4.2-3::gentoo  USE="python" 0 KiB')), [
    'dev-libs/mylib-1.4.2: Portage would reuse binpkg build 3, locked build 1',
  ]);
  t.deepEqual(comparePretend(locked, out('[ebuild  N     ] dev-libs/mylib-1.4.2::gentoo  USE="-python doc%" PYTHON_TARGETS="python3_12" 0 KiB')), [
    'dev-libs/mylib-1.4.2: USE locked "python", Portage would use +doc +python_targets_python3_12 -python',
  ]);
  t.deepEqual(comparePretend(locked, out('[ebuild  U     ] dev-libs/mylib-1.5::gentoo [1.4.2::gentoo] USE="python" 0 KiB')), [
    'dev-libs/mylib: locked 1.4.2, Portage would merge 1.5',
  ]);
  t.deepEqual(comparePretend(locked, out('[ebuild  N     ] app-misc/other-1::gentoo  0 KiB')), [
    'app-misc/other-1: not in the lock, Portage would merge it',
    'dev-libs/mylib-1.4.2: locked, Portage would not merge it',
  ]);
});

test('Gentoo version order', (t) => {
  const order = ['1.0_alpha1', '1.0_beta', '1.0_rc2', '1.0', '1.0-r1', '1.0_p1', '1.0a', '1.0.0', '1.01', '1.1', '1.9', '1.10', '2'];
  for (let i = 1; i < order.length; i++) t.true(vercmp(order[i - 1]!, order[i]!) < 0, `${order[i - 1]} < ${order[i]}`);
  t.is(vercmp('1.0', '1.0'), 0);
});

test('drift against the last build: other USE is drift; only another build id (a rebuild from source) is shown but is no drift', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-lock-part-'));
  const index = (use: string, id: string) =>
    `VERSION: 0\n\nBUILD_ID: ${id}\nCPV: dev-libs/mylib-1.4.2\nPATH: dev-libs/mylib/mylib-1.4.2-${id}.gpkg.tar\nREPO: gentoo\nUSE: ${use}\n\n`;
  const state = (id: string) =>
    ({ partition: { rel: 'p', dir }, packages: [`dev-libs/mylib/mylib-1.4.2-${id}.gpkg.tar`], built: ['dev-libs/mylib-1.4.2'], binary: [] }) as never;
  const drift = (id: string) =>
    lockDrift({ file: 'f', lock: lock(), sources: sources(), subjects: ['base', 'science'], states: new Map([['science', state(id)]]) });

  writeFileSync(join(dir, 'Packages'), index('python', '1'));
  t.false(hasDrift(await drift('1')));
  t.deepEqual((await drift('1')).subjects, []);

  writeFileSync(join(dir, 'Packages'), index('python', '2'));
  const rebuilt = await drift('2');
  t.false(hasDrift(rebuilt));
  t.deepEqual(rebuilt.subjects, [{ subject: 'science', packages: [], builds: ['dev-libs/mylib-1.4.2: locked build 1, the last build has build 2'], tree: [] }]);
  t.regex(formatDrift(rebuilt), /no drift\n {2}science: dev-libs\/mylib-1\.4\.2: locked build 1, the last build has build 2/);

  writeFileSync(join(dir, 'Packages'), index('doc python', '3'));
  const other = await drift('3');
  t.true(hasDrift(other));
  t.deepEqual(other.subjects[0]!.packages, ['dev-libs/mylib-1.4.2: USE locked "python", the last build has "doc python"']);
});

test('run --locked before the commit: what emerge merged must be the locked cat/pf set', (t) => {
  const build = (built: string[], binary: string[] = []) =>
    ({ subject: { name: 'science' }, data: new Map([[EMERGE_DATA, { built, binary, failed: [], incomplete: [], invocations: [] }]]) }) as never;
  t.notThrows(() => checkMerged(build([], ['dev-libs/mylib-1.4.2']), lock(), 'f'));
  const e = t.throws(() => checkMerged(build(['dev-libs/mylib-1.5', 'app-misc/x-1']), lock(), '/f/binfarm.lock'))!;
  t.is((e as { code?: string }).code, 'E_LOCK_DRIFT');
  t.is(
    e.message,
    'run --locked: emerge merged other packages for subject "science" than /f/binfarm.lock holds: ' +
      'app-misc/x-1 (not locked), dev-libs/mylib-1.5 (not locked), dev-libs/mylib-1.4.2 (locked, not merged)',
  );
});
