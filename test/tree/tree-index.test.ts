import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRepoIndex } from '../../core/tree/index/build.ts';
import { inheritLines, md5CacheEclasses } from '../../core/tree/index/inherits.ts';
import { computeSlice, cpnOf, diffSlices, sliceDigest } from '../../core/plan/tree-slice.ts';
import { generateTree } from '../fixtures/tree-gen.ts';
import { formatReason } from '../../core/plan/print.ts';

function put(dir: string, rel: string, content: string): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), content);
}

test('inherit lines: plain, continued, conditional; comments ignored', (t) => {
  t.deepEqual(inheritLines('EAPI=8\ninherit cmake \\\n  flag-o-matic\n# inherit commented\nuse x && inherit xdg\n'), ['cmake', 'flag-o-matic', 'xdg']);
});

test('md5-cache _eclasses_ counts only when its _md5_ is the ebuild\'s', (t) => {
  const ebuild = Buffer.from('EAPI=8\ninherit cmake\n');
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
  const entry = `EAPI=8\n_eclasses_=cmake\tabc\ttoolchain-funcs\tdef\n_md5_=${md5(ebuild)}\n`;
  t.deepEqual(md5CacheEclasses(entry, ebuild), ['cmake', 'toolchain-funcs']);
  t.is(md5CacheEclasses(entry, Buffer.from('EAPI=8\n')), undefined, 'stale entry');
  t.is(md5CacheEclasses(undefined, ebuild), undefined);
});

test('index of a generated tree: packages with versions and md5-cache eclasses; eclasses with their inherits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-idx-'));
  const gen = generateTree(dir, { packages: 40, seed: 3 });
  const idx = await buildRepoIndex(dir, 'sha256:x');
  t.is(Object.keys(idx.packages).length, 40);
  const atom = gen.atoms[0]!;
  const entry = idx.packages[atom]!;
  t.true(entry.v.length >= 1);
  const ebuild = readFileSync(join(dir, atom, `${atom.split('/')[1]}-${entry.v[0]}.ebuild`), 'utf8');
  const inherited = /^inherit (.*)$/m.exec(ebuild)![1]!.split(' ').sort();
  t.deepEqual(entry.e, inherited, 'from md5-cache _eclasses_');
  t.truthy(idx.eclasses.cmake);
});

test('slice: follows eclass inherits (inherit-line fallback), ignores metadata.xml and unrelated edits, names what changed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-idx-'));
  put(dir, 'profiles/repo_name', 'gentoo\n');
  put(dir, 'profiles/use.desc', 'x - X\n');
  put(dir, 'eclass/cmake.eclass', 'inherit toolchain-funcs\n');
  put(dir, 'eclass/toolchain-funcs.eclass', 'tc() { :; }\n');
  put(dir, 'eclass/xdg.eclass', 'x() { :; }\n');
  put(dir, 'app-misc/jq/jq-1.7.1.ebuild', 'EAPI=8\ninherit cmake\n');
  put(dir, 'app-misc/jq/metadata.xml', '<pkgmetadata/>\n');
  put(dir, 'app-misc/other/other-1.0.ebuild', 'EAPI=8\ninherit xdg\n');
  const idx0 = await buildRepoIndex(dir, 'a');
  const s0 = computeSlice([cpnOf('app-misc/jq-1.7.1')], [{ name: 'gentoo', index: idx0 }]);
  t.deepEqual(Object.keys(s0.eclasses), ['cmake', 'toolchain-funcs'], 'recursively through eclasses');

  put(dir, 'app-misc/jq/metadata.xml', '<pkgmetadata><longdescription/></pkgmetadata>\n');
  put(dir, 'app-misc/other/other-1.1.ebuild', 'EAPI=8\n');
  put(dir, 'eclass/xdg.eclass', 'x() { echo; }\n');
  put(dir, 'profiles/use.desc', 'x - the X flag\n');
  const idx1 = await buildRepoIndex(dir, 'b');
  const s1 = computeSlice(['app-misc/jq'], [{ name: 'gentoo', index: idx1 }]);
  t.is(sliceDigest(s1), sliceDigest(s0), 'edits outside the slice (and description-only files) change nothing');

  put(dir, 'app-misc/jq/jq-1.8.0.ebuild', 'EAPI=8\ninherit cmake\n');
  put(dir, 'eclass/toolchain-funcs.eclass', 'tc() { echo; }\n');
  put(dir, 'profiles/package.mask', 'app-misc/jq\n');
  const idx2 = await buildRepoIndex(dir, 'c');
  const s2 = computeSlice(['app-misc/jq'], [{ name: 'gentoo', index: idx2 }]);
  t.not(sliceDigest(s2), sliceDigest(s0));
  t.deepEqual(diffSlices(s0, s2).map((r) => `${r.input}: ${r.change}`), ['tree: app-misc/jq 1.7.1 → 1.7.1 1.8.0', 'tree: eclass toolchain-funcs changed', 'tree: profiles changed']);
  t.deepEqual(diffSlices(s0, s2).map(formatReason), ['tree: app-misc/jq 1.7.1 → 1.7.1 1.8.0', 'tree: eclass toolchain-funcs changed', 'tree: profiles changed'], 'plan --explain prints them so');
});
