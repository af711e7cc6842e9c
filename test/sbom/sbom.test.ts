import test from 'ava';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { binpkgLookup } from '../../core/sbom/binpkg-facts.ts';
import { licenseRef, spdxLicense } from '../../core/sbom/license.ts';
import { buildSpdx, packagePurl, serializeSpdx } from '../../core/sbom/spdx.ts';
import { readVdbTar } from '../../core/sbom/vdb.ts';
import { compareSbom } from '../../core/verify/sbom-match.ts';

/** A tar of /var/db/pkg as the Engine API's archive endpoint returns it (entries under `pkg/`). */
function vdbTar(pkgs: Record<string, Record<string, string>>): Readable {
  const p = pack();
  p.entry({ name: 'pkg/', type: 'directory' });
  for (const [cpf, keys] of Object.entries(pkgs)) {
    p.entry({ name: `pkg/${cpf}/`, type: 'directory' });
    for (const [k, v] of Object.entries(keys)) p.entry({ name: `pkg/${cpf}/${k}` }, `${v}\n`);
  }
  p.finalize();
  return p as unknown as Readable;
}

const VDB = {
  'sci-libs/gsl-2.8': {
    SLOT: '0/28',
    repository: 'gentoo',
    USE: 'abi_x86_64 cblas',
    LICENSE: 'GPL-3+',
    BUILD_ID: '2',
    BUILD_TIME: '1764590000',
    CONTENTS: 'obj /x',
  },
  'dev-libs/boost-1.88.0-r1': {
    repository: 'gentoo',
    USE: 'python',
    LICENSE: 'Boost-1.0 python? ( PSF-2 ) doc? ( FDL )',
    BUILD_ID: '1',
    BUILD_TIME: '1764580000',
  },
  'sys-libs/glibc-2.41': { SLOT: '2.2', repository: 'gentoo', USE: '', LICENSE: 'LGPL-2.1+ BSD HPND ISC inner-net rc PCRE' },
};

const INDEX = `ARCH: amd64
PACKAGES: 3
VERSION: 0

BUILD_ID: 1
BUILD_TIME: 1764500000
CPV: sci-libs/gsl-2.8
MD5: 00000000000000000000000000000001
PATH: sci-libs/gsl/gsl-2.8-1.gpkg.tar
SHA1: 1111111111111111111111111111111111111111
SIZE: 10

BUILD_ID: 2
BUILD_TIME: 1764590000
CPV: sci-libs/gsl-2.8
MD5: 00000000000000000000000000000002
PATH: sci-libs/gsl/gsl-2.8-2.gpkg.tar
SHA1: 2222222222222222222222222222222222222222
SIZE: 20

BUILD_ID: 1
BUILD_TIME: 1764580000
CPV: dev-libs/boost-1.88.0-r1
MD5: 0000000000000000000000000000000b
PATH: dev-libs/boost/boost-1.88.0-r1-1.gpkg.tar
SHA1: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb

`;

test('licences: USE conditionals decided by the package USE, || groups become OR, names LicenseRefs', (t) => {
  t.deepEqual(spdxLicense('Boost-1.0 python? ( PSF-2 ) doc? ( FDL )', ['python']), {
    expression: 'LicenseRef-Boost-1.0 AND LicenseRef-PSF-2',
    names: ['Boost-1.0', 'PSF-2'],
  });
  t.is(spdxLicense('|| ( GPL-2+ MIT ) !doc? ( BSD )', ['doc']).expression, '(LicenseRef-GPL-2-plus OR LicenseRef-MIT)');
  t.is(spdxLicense('', []).expression, 'NOASSERTION');
  t.not(licenseRef('GPL-2+'), licenseRef('GPL-2'));
});

test('the vdb tar gives every package with slot, repository, USE, licence and BUILD_ID', async (t) => {
  const pkgs = await readVdbTar(vdbTar(VDB));
  t.deepEqual(
    pkgs.map((p) => [p.category, p.name, p.version, p.slot, p.buildId]),
    [
      ['dev-libs', 'boost', '1.88.0-r1', '0', '1'],
      ['sci-libs', 'gsl', '2.8', '0/28', '2'],
      ['sys-libs', 'glibc', '2.41', '2.2', ''],
    ],
  );
  t.deepEqual(pkgs[1]!.use, ['abi_x86_64', 'cblas']);
  t.is(packagePurl(pkgs[1]!), 'pkg:gentoo/sci-libs/gsl@2.8?build_id=2&repository=gentoo&slot=0%2F28&use=abi_x86_64,cblas');
});

test('the SPDX document: one package per installed package, checksums of the binpkg it was merged from, deterministic', async (t) => {
  const pkgs = await readVdbTar(vdbTar(VDB));
  const lookup = binpkgLookup([parsePackagesIndex(INDEX)]);
  const doc = buildSpdx({ name: 'hep/core', packages: pkgs, binpkgOf: lookup });
  t.is(doc.spdxVersion, 'SPDX-2.3');
  t.deepEqual(
    doc.packages.map((p) => `${p.name}@${p.versionInfo ?? ''}`),
    ['hep/core@', 'dev-libs/boost@1.88.0-r1', 'sci-libs/gsl@2.8', 'sys-libs/glibc@2.41'],
  );
  const gsl = doc.packages.find((p) => p.name === 'sci-libs/gsl')!;
  // BUILD_ID 2 of the two instances in the index, not the older one
  t.is(gsl.packageFileName, 'sci-libs/gsl/gsl-2.8-2.gpkg.tar');
  t.deepEqual(gsl.checksums, [
    { algorithm: 'MD5', checksumValue: '00000000000000000000000000000002' },
    { algorithm: 'SHA1', checksumValue: '2222222222222222222222222222222222222222' },
  ]);
  t.is(doc.packages.find((p) => p.name === 'sys-libs/glibc')!.checksums, undefined, 'a stage3 package has no binpkg');
  t.is(doc.creationInfo.created, '2025-12-01T11:53:20Z', 'the newest BUILD_TIME, not now');
  t.is(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS').length, 3);
  t.true(doc.hasExtractedLicensingInfos!.some((l) => l.licenseId === 'LicenseRef-PSF-2'));
  // same input, same bytes (the order of the vdb entries does not matter)
  const reversed = buildSpdx({ name: 'hep/core', packages: [...pkgs].reverse(), binpkgOf: lookup });
  t.is(serializeSpdx(reversed), serializeSpdx(doc));
});

test('an SBOM is compared with the vdb both ways: a missing, an extra or a changed package is named', async (t) => {
  const pkgs = await readVdbTar(vdbTar(VDB));
  const doc = buildSpdx({ name: 'x', packages: pkgs, binpkgOf: () => undefined });
  t.deepEqual(compareSbom(doc, pkgs), { missing: [], extra: [] });
  const fewer = compareSbom(doc, pkgs.slice(1));
  t.is(fewer.extra.length, 1);
  t.regex(fewer.extra[0]!, /dev-libs\/boost@1\.88\.0-r1/);
  const changed = pkgs.map((p) => (p.name === 'gsl' ? { ...p, use: ['cblas'] } : p));
  const diff = compareSbom(doc, changed);
  t.regex(diff.missing.join(), /gsl@2\.8.*use=cblas/);
  t.regex(diff.extra.join(), /gsl@2\.8.*use=abi_x86_64,cblas/);
});
