/**
 * The SPDX 2.3 JSON document of an image (docs/sbom.md says why SPDX): one package for the image,
 * one per installed package of its /var/db/pkg, `CONTAINS` relationships between them. Portage's
 * own identity of a package (slot, repository, USE, the binpkg's BUILD_ID) is in its purl
 * qualifiers (`pkg:gentoo/<category>/<name>@<version>?build_id=…&repository=…&slot=…&use=…`),
 * the binpkg's file and checksums (from the binhost index) in packageFileName and checksums.
 * Deterministic: packages sorted by CPV, keys in a fixed order, the creation time taken from the
 * packages (newest BUILD_TIME), so the same image gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { licenseRef, spdxLicense } from './license.ts';
import { cpvOf, type InstalledPackage } from './vdb.ts';

/** A binpkg as the binhost `Packages` index describes it (the index block's PATH and digests). */
export interface BinpkgFacts {
  path: string;
  size?: string;
  /** SPDX algorithm name → hex digest. */
  checksums: Record<string, string>;
}

/** Index keys that are digests of the binpkg file, and their SPDX 2.3 algorithm names. */
export const INDEX_DIGESTS: Readonly<Record<string, string>> = { MD5: 'MD5', SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512', BLAKE2B: 'BLAKE2b-512' };

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  packageFileName?: string;
  supplier: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: Array<{ algorithm: string; checksumValue: string }>;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  externalRefs?: Array<{ referenceCategory: string; referenceType: string; referenceLocator: string }>;
  primaryPackagePurpose?: string;
  sourceInfo?: string;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
  hasExtractedLicensingInfos?: Array<{ licenseId: string; name: string; extractedText: string }>;
}

export const IMAGE_SPDX_ID = 'SPDXRef-Image';

const idPart = (s: string) => s.replace(/[^A-Za-z0-9.-]/g, '-');
const enc = (s: string) => encodeURIComponent(s).replace(/%2C/g, ',');

/** The package URL of an installed package; its qualifiers carry slot, repository, USE and BUILD_ID (sorted, as purl requires). */
export function packagePurl(p: InstalledPackage): string {
  const q: Array<[string, string]> = [];
  if (p.buildId) q.push(['build_id', p.buildId]);
  if (p.repository) q.push(['repository', p.repository]);
  q.push(['slot', p.slot]);
  if (p.use.length) q.push(['use', p.use.join(',')]);
  return `pkg:gentoo/${enc(p.category)}/${enc(p.name)}@${enc(p.version)}?${q.map(([k, v]) => `${k}=${enc(v)}`).join('&')}`;
}

/** SPDX creation time (`YYYY-MM-DDThh:mm:ssZ`) from the newest BUILD_TIME; the epoch when no package has one. */
export function createdFromPackages(pkgs: readonly InstalledPackage[]): string {
  const newest = Math.max(0, ...pkgs.map((p) => (/^\d+$/.test(p.buildTime) ? Number(p.buildTime) : 0)));
  return new Date(newest * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildSpdx(opts: {
  /** What the image is called (`<prefix>/<subject>` or the assembled image's repository). */
  name: string;
  packages: readonly InstalledPackage[];
  /** The binpkg a package was merged from (binpkg-facts.ts), when the binhost index has it. */
  binpkgOf: (p: InstalledPackage) => BinpkgFacts | undefined;
}): SpdxDocument {
  const pkgs = [...opts.packages].sort((a, b) => (cpvOf(a) < cpvOf(b) ? -1 : cpvOf(a) > cpvOf(b) ? 1 : 0));
  const licenceNames = new Set<string>();
  const out: SpdxPackage[] = pkgs.map((p) => {
    const lic = spdxLicense(p.license, p.use);
    for (const n of lic.names) licenceNames.add(n);
    const bin = opts.binpkgOf(p);
    const checksums = bin ? Object.entries(bin.checksums).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
    return {
      SPDXID: `SPDXRef-Package-${idPart(p.category)}-${idPart(p.name)}-${idPart(p.version)}`,
      name: `${p.category}/${p.name}`,
      versionInfo: p.version,
      ...(bin ? { packageFileName: bin.path } : {}),
      supplier: 'NOASSERTION',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      ...(checksums.length ? { checksums: checksums.map(([algorithm, checksumValue]) => ({ algorithm, checksumValue })) } : {}),
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: lic.expression,
      copyrightText: 'NOASSERTION',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: packagePurl(p) }],
      sourceInfo: `slot ${p.slot}, repository ${p.repository || 'unknown'}, USE "${p.use.join(' ')}", ${bin ? `binpkg ${bin.path}` : 'no binpkg in the binhost index'}${p.buildId ? ` (BUILD_ID ${p.buildId})` : ''}; LICENSE "${p.license}"`,
    };
  });
  const image: SpdxPackage = {
    SPDXID: IMAGE_SPDX_ID,
    name: opts.name,
    supplier: 'NOASSERTION',
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
  };
  const identity = createHash('sha256')
    .update(JSON.stringify([opts.name, out.map((p) => [p.externalRefs![0]!.referenceLocator, p.checksums ?? []])]))
    .digest('hex');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: opts.name,
    documentNamespace: `https://binfarm.invalid/spdx/${enc(opts.name)}/${identity}`,
    creationInfo: { created: createdFromPackages(pkgs), creators: [`Tool: binfarm-${binfarmVersion()}`] },
    packages: [image, ...out],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_SPDX_ID },
      ...out.map((p) => ({ spdxElementId: IMAGE_SPDX_ID, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
    ],
    ...(licenceNames.size
      ? {
          hasExtractedLicensingInfos: [...licenceNames].sort().map((n) => ({
            licenseId: licenseRef(n),
            name: n,
            extractedText: `The Gentoo licence "${n}": the file licenses/${n} of the ebuild repository the package came from.`,
          })),
        }
      : {}),
  };
}

/** The bytes stored in the image and beside the run: 2-space JSON and a final newline. */
export function serializeSpdx(doc: SpdxDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
