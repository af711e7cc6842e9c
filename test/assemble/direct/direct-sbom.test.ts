/**
 * The direct assembly's SBOM on the host, no engine: the from image's scan keeps the vdb files an
 * SBOM reads, and the package list made from them plus the new vdb entries equals what the emerge
 * path's parser reads from the whole /var/db/pkg of the image; the document and its file entry
 * take their time from BUILD_TIME, so the same inputs give the same bytes.
 */
import test from 'ava';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { scanBase } from '../../../core/assemble/direct/base-scan.ts';
import { directSbom, installedAfterMerge, sbomEntry } from '../../../core/assemble/direct/direct-sbom.ts';
import { vdbEntries } from '../../../core/assemble/direct/vdb-entry.ts';
import { binpkgLookup } from '../../../core/sbom/binpkg-facts.ts';
import { readVdbTar } from '../../../core/sbom/vdb.ts';

/** The from image's /var/db/pkg as an export shows it: every key Portage writes, not only the SBOM's. */
const BASE: Record<string, string> = {
  'sys-libs/zlib-1.3/SLOT': '0/1\n',
  'sys-libs/zlib-1.3/USE': 'static-libs abi_x86_64\n',
  'sys-libs/zlib-1.3/LICENSE': 'ZLIB\n',
  'sys-libs/zlib-1.3/repository': 'gentoo\n',
  'sys-libs/zlib-1.3/BUILD_TIME': '1700000000\n',
  'sys-libs/zlib-1.3/COUNTER': '7',
  'sys-libs/zlib-1.3/CONTENTS': 'obj /usr/lib/libz.so.1 0123 1700000000\n',
  'app-misc/stage3-only-2/SLOT': '0\n',
  'app-misc/stage3-only-2/COUNTER': '3',
};

function exportOf(files: Record<string, string>): Readable {
  const tar = pack();
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = `var/db/pkg/${path}`.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) tar.entry({ name: `${d}/`, type: 'directory' });
  for (const [path, text] of Object.entries(files)) tar.entry({ name: `var/db/pkg/${path}` }, text);
  tar.finalize();
  return tar as unknown as Readable;
}

const NEW_META = new Map(
  Object.entries({
    SLOT: '0\n',
    USE: 'b a\n',
    LICENSE: 'MIT\n',
    repository: 'sci\n',
    BUILD_ID: '4\n',
    BUILD_TIME: '1700000500\n',
    DEFINED_PHASES: 'install\n',
  }).map(([k, v]) => [k, Buffer.from(v)] as const),
);
const added = () => vdbEntries('app-misc/viewer-2.1', NEW_META, 'obj /usr/bin/viewer 0123 1700000500\n', 'abc', 1700000500);

test('the scan keeps the SBOM keys of the from image; the list equals readVdbTar over the merged /var/db/pkg', async (t) => {
  const scan = await scanBase(exportOf(BASE), { protect: [], mask: [] });
  t.deepEqual([...scan.vdbFiles.keys()].sort(), [
    'var/db/pkg/app-misc/stage3-only-2/SLOT',
    'var/db/pkg/sys-libs/zlib-1.3/BUILD_TIME',
    'var/db/pkg/sys-libs/zlib-1.3/LICENSE',
    'var/db/pkg/sys-libs/zlib-1.3/SLOT',
    'var/db/pkg/sys-libs/zlib-1.3/USE',
    'var/db/pkg/sys-libs/zlib-1.3/repository',
  ]);
  t.is(scan.protectedMd5.size, 0, 'vdb files are not taken for protected config files');

  const got = await installedAfterMerge(scan.nodes, scan.vdbFiles, added());
  // what the emerge path reads: the whole database after the merge, through the engine's archive layout
  const whole = { ...BASE, ...Object.fromEntries(added().flatMap((e) => (e.data ? [[e.path.slice('var/db/pkg/'.length), e.data.toString()]] : []))) };
  const tar = pack();
  for (const [path, text] of Object.entries(whole)) tar.entry({ name: `pkg/${path}` }, text);
  tar.finalize();
  t.deepEqual(got, await readVdbTar(tar as unknown as Readable));
  t.deepEqual(
    got.map((p) => [`${p.category}/${p.name}-${p.version}`, p.slot, p.use.join(' '), p.buildId, p.buildTime]),
    [
      ['app-misc/stage3-only-2', '0', '', '', ''],
      ['app-misc/viewer-2.1', '0', 'a b', '4', '1700000500'],
      ['sys-libs/zlib-1.3', '0/1', 'abi_x86_64 static-libs', '', '1700000000'],
    ],
  );
});

test('the document: checksums from the index, created from the newest BUILD_TIME, the file entry 0644 root at that time', async (t) => {
  const scan = await scanBase(exportOf(BASE), { protect: [], mask: [] });
  const index = {
    header: {},
    packages: [{ CPV: 'app-misc/viewer-2.1', BUILD_ID: '4', BUILD_TIME: '1700000500', PATH: 'app-misc/viewer/viewer-2.1-4.gpkg.tar', SHA1: 'AB', SIZE: '10' }],
  };
  const spec = { name: 'farm/viewer', binpkgOf: binpkgLookup([index]) };
  const one = await directSbom(spec, scan.nodes, scan.vdbFiles, added());
  const two = await directSbom(spec, scan.nodes, scan.vdbFiles, added());
  t.is(one.text, two.text);
  t.is(one.doc.creationInfo.created, '2023-11-14T22:21:40Z');
  const viewer = one.doc.packages.find((p) => p.name === 'app-misc/viewer');
  t.is(viewer?.packageFileName, 'app-misc/viewer/viewer-2.1-4.gpkg.tar');
  t.deepEqual(viewer?.checksums, [{ algorithm: 'SHA1', checksumValue: 'ab' }]);
  const e = sbomEntry(one);
  t.like(e, { path: 'usr/share/binfarm/sbom.spdx.json', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1700000500 });
  t.is(e.data?.toString(), one.text);
  t.is(sbomEntry(one, 1600000000).mtime, 1600000000, 'SOURCE_DATE_EPOCH, as every mtime of the image');
});
