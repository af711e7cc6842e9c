/**
 * The direct assembly's writer on the host, no engine: GPKG reading with each compression,
 * CONTENTS, CONFIG_PROTECT, symlinked directories, collisions and fallbacks, deterministic layers.
 */
import test from 'ava';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metaText, readGpkg } from '../../../core/assemble/direct/gpkg-read.ts';
import { formatContents, parseContentsLine } from '../../../core/assemble/direct/contents.ts';
import { isProtected, parseProtect, protectedName } from '../../../core/assemble/direct/config-protect.ts';
import { PathView } from '../../../core/assemble/direct/path-view.ts';
import { placePackage } from '../../../core/assemble/direct/place-package.ts';
import { emptyScan, type Node } from '../../../core/assemble/direct/base-scan.ts';
import { packageFallbacks } from '../../../core/assemble/direct/fallback.ts';
import { writeLayer, type LayerEntry } from '../../../core/assemble/direct/layer-tar.ts';
import { counterEntries, worldText } from '../../../core/assemble/direct/vdb-entry.ts';
import { writeGpkg, type GpkgSpec } from '../../fixtures/gpkg.ts';

const dir = mkdtempSync(join(tmpdir(), 'binfarm-direct-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const spec = (compress: GpkgSpec['compress']): GpkgSpec => ({
  cat: 'app-misc',
  pf: 'tool-1.0',
  buildId: 3,
  compress,
  metadata: { SLOT: '0', BUILD_TIME: '1700000100', DEFINED_PHASES: 'compile install' },
  files: [
    { path: 'usr', type: 'directory' },
    { path: 'usr/bin', type: 'directory' },
    { path: 'usr/bin/tool', type: 'file', data: 'binary\n', mode: 0o755 },
    { path: 'usr/bin/tool-alias', type: 'symlink', target: 'tool' },
    { path: 'usr/bin/tool-hard', type: 'link', target: 'usr/bin/tool' },
    { path: 'etc', type: 'directory' },
    { path: 'etc/tool.conf', type: 'file', data: 'new\n', mode: 0o640, gid: 250 },
  ],
});

for (const compress of ['', 'gz', 'zst', 'xz'] as const) {
  test(`reads a GPKG with ${compress || 'plain'} members`, async (t) => {
    const rel = await writeGpkg(join(dir, compress || 'plain'), spec(compress));
    const g = await readGpkg(join(dir, compress || 'plain', rel));
    t.is(g.compression, compress);
    t.is(metaText(g, 'CATEGORY'), 'app-misc');
    t.is(metaText(g, 'BUILD_TIME'), '1700000100');
    t.is(g.metadata.get('SLOT')?.toString(), '0\n');
    const tool = g.entries.find((e) => e.path === 'usr/bin/tool');
    t.is(tool?.mode, 0o755);
    t.is(tool?.data?.toString(), 'binary\n');
    t.is(g.entries.find((e) => e.path === 'usr/bin/tool-hard')?.linkname, 'usr/bin/tool');
    t.is(g.entries.find((e) => e.path === 'etc/tool.conf')?.gid, 250);
  });
}

test('a damaged binpkg is a clear error naming the file', async (t) => {
  const rel = await writeGpkg(join(dir, 'bad'), { ...spec('zst'), pf: 'bad-1.0' });
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = join(dir, 'bad', rel);
  const buf = readFileSync(file);
  // cut inside the image member (its tar header, then 20 bytes of its zstd data)
  writeFileSync(file, buf.subarray(0, buf.indexOf('/image.tar.zst') + 512 + 20));
  const e = await t.throwsAsync(() => readGpkg(file));
  t.true(e.message.includes(file));
});

test('CONTENTS lines are sorted and round-trip, paths with spaces included', (t) => {
  const text = formatContents([
    { type: 'obj', path: '/usr/bin/b c', md5: 'd41d8cd98f00b204e9800998ecf8427e', mtime: 5 },
    { type: 'dir', path: '/usr' },
    { type: 'sym', path: '/usr/bin/a', target: 'b c', mtime: 5 },
  ]);
  t.is(text, 'dir /usr\nsym /usr/bin/a -> b c 5\nobj /usr/bin/b c d41d8cd98f00b204e9800998ecf8427e 5\n');
  t.deepEqual(parseContentsLine('obj /usr/bin/b c d41d8cd98f00b204e9800998ecf8427e 5'), {
    type: 'obj',
    path: '/usr/bin/b c',
    md5: 'd41d8cd98f00b204e9800998ecf8427e',
    mtime: 5,
  });
});

test('CONFIG_PROTECT: protected unless a more specific mask; ._cfg names count up', (t) => {
  const cfg = parseProtect('/etc /usr/share/config\n/etc/env.d /etc/gentoo-release\n');
  t.true(isProtected('/etc/foo.conf', cfg));
  t.false(isProtected('/etc/env.d/99x', cfg));
  t.false(isProtected('/etcetera/x', cfg));
  t.false(isProtected('/usr/bin/x', cfg));
  const have = new Set(['etc/a.conf', 'etc/._cfg0000_a.conf', 'etc/._cfg0003_a.conf']);
  t.is(
    protectedName('etc/a.conf', (p) => have.has(p), have),
    'etc/._cfg0004_a.conf',
  );
  t.is(
    protectedName('etc/b.conf', (p) => have.has(p), have),
    'etc/._cfg0000_b.conf',
  );
});

const d = (mode = 0o755): Node => ({ type: 'directory', mode, uid: 0, gid: 0, uname: 'root', gname: 'root' });
const baseNodes = () =>
  new Map<string, Node>([
    ['usr', d()],
    ['usr/bin', d(0o711)],
    ['bin', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, uname: 'root', gname: 'root', linkname: 'usr/bin' }],
    ['etc', d()],
    ['etc/tool.conf', { type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root' }],
  ]);

test('placing follows symlinked directories, keeps existing directories, protects changed config files', async (t) => {
  const rel = await writeGpkg(join(dir, 'place'), {
    ...spec(''),
    files: [...spec('').files, { path: 'bin', type: 'directory' }, { path: 'bin/tool2', type: 'file', data: 'x' }],
  });
  const g = await readGpkg(join(dir, 'place', rel));
  const scan = { ...emptyScan(), nodes: baseNodes(), protectedMd5: new Map([['etc/tool.conf', 'ffffffffffffffffffffffffffffffff']]) };
  const view = new PathView(new Map(scan.nodes));
  const placed = placePackage('app-misc/tool-1.0', g, 42, { view, base: scan, protect: parseProtect('/etc\n\n'), placedOwners: new Map() });
  if ('collision' in placed) return t.fail(placed.collision);
  const paths = [...placed.entries.keys()].sort();
  t.true(paths.includes('usr/bin/tool2'), 'bin/tool2 lands in usr/bin through the symlink');
  t.false(paths.includes('bin'), 'the /bin symlink is not replaced by a directory');
  t.is(placed.entries.get('usr/bin')?.mode, 0o711, 'an existing directory keeps its mode');
  t.true(paths.includes('etc/._cfg0000_tool.conf'));
  t.false(paths.includes('etc/tool.conf'));
  t.like(placed.entries.get('usr/bin/tool-hard'), { type: 'link', linkname: 'usr/bin/tool', mode: 0o755 }, 'a hard link stays one');
  t.is(placed.entries.get('usr/bin/tool-hard')?.data, undefined);
  t.regex(formatContents(placed.contents), /^obj \/usr\/bin\/tool-hard [0-9a-f]{32} 42$/m, 'CONTENTS lists a hard link as obj');
  const contents = formatContents(placed.contents);
  t.regex(contents, /^obj \/bin\/tool2 [0-9a-f]{32} 42$/m, 'CONTENTS keeps the image path');
  t.regex(contents, /^obj \/etc\/tool\.conf [0-9a-f]{32} 42$/m);
  t.regex(contents, /^sym \/usr\/bin\/tool-alias -> tool 42$/m);
  t.regex(contents, /^dir \/bin$/m);
});

test('a file another package owns is a collision; a package with pkg_postinst or a replaced slot falls back', async (t) => {
  const rel = await writeGpkg(join(dir, 'coll'), { ...spec(''), metadata: { ...spec('').metadata, DEFINED_PHASES: 'install postinst setup' } });
  const g = await readGpkg(join(dir, 'coll', rel));
  const scan = { ...emptyScan(), nodes: baseNodes(), owners: new Map([['usr/bin/tool', 'app-misc/other-2']]) };
  const placed = placePackage('app-misc/tool-1.0', g, 1, {
    view: new PathView(new Map(scan.nodes)),
    base: scan,
    protect: { protect: [], mask: [] },
    placedOwners: new Map(),
  });
  t.deepEqual(placed, { collision: '/usr/bin/tool is also installed by app-misc/other-2' });
  const merge = { type: 'binary' as const, attrs: 'N', cpv: 'app-misc/tool-1.0' };
  const reasons = packageFallbacks(merge, g, [{ cpv: 'app-misc/tool-0.9', slot: '0', counter: 3 }]).map((f) => f.reason);
  t.deepEqual(reasons, ['defines pkg_setup, pkg_postinst, which a merge runs', 'replaces app-misc/tool-0.9, installed in the from image in slot 0']);
  const plain = await readGpkg(join(dir, 'plain-only', await writeGpkg(join(dir, 'plain-only'), spec(''))));
  t.deepEqual(packageFallbacks(merge, plain, [{ cpv: 'app-misc/tool-0.9', slot: '1', counter: 3 }]), []);
});

test('layers are deterministic: same entries in any order → same bytes and diff id', async (t) => {
  const e = (path: string, data?: string): LayerEntry =>
    data === undefined
      ? { path, type: 'directory', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 7 }
      : { path, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 7, data: Buffer.from(data) };
  const a = await writeLayer([e('usr'), e('usr/a', '1'), e('usr/b', '2')], join(dir, 'l1.tar'));
  const b = await writeLayer([e('usr/b', '2'), e('usr'), e('usr/a', '1')], join(dir, 'l2.tar'));
  const c = await writeLayer([e('usr'), e('usr/a', '1'), e('usr/b', '3')], join(dir, 'l3.tar'));
  t.is(a.diffId, b.diffId);
  t.not(a.diffId, c.diffId);
});

test('a hard link is written after every other entry, as a link to its target (the engine links to what it has written)', async (t) => {
  const own = { mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 7 };
  const written = await writeLayer(
    [
      { path: 'usr/bin/a-hard', type: 'link', linkname: 'usr/bin/z-tool', ...own },
      { path: 'usr/bin/z-tool', type: 'file', data: Buffer.from('x'), ...own },
      { path: 'usr/bin', type: 'directory', ...own },
    ],
    join(dir, 'links.tar'),
  );
  const seen: Array<[string, string, string | null | undefined]> = [];
  const ex = extract();
  const done = pipeline(createReadStream(written.file), ex);
  for await (const e of ex) {
    seen.push([e.header.name, e.header.type ?? '', e.header.linkname]);
    e.resume();
  }
  await done;
  t.deepEqual(seen, [
    ['usr/bin/', 'directory', null],
    ['usr/bin/z-tool', 'file', null],
    ['usr/bin/a-hard', 'link', 'usr/bin/z-tool'],
  ]);
});

test('COUNTER continues after the highest of the from image; world stays sorted and unique', (t) => {
  const entries = counterEntries(['a/x-1', 'b/y-2'], 41, 0);
  t.deepEqual(
    entries.map((e) => [e.path, e.data?.toString()]),
    [
      ['var/db/pkg/a/x-1/COUNTER', '42'],
      ['var/db/pkg/b/y-2/COUNTER', '43'],
      ['var/cache/edb/counter', '43'],
    ],
  );
  t.is(worldText('sys-apps/b\napp-misc/a\n', ['app-misc/a', 'dev-libs/c']), 'app-misc/a\ndev-libs/c\nsys-apps/b\n');
});
