/**
 * Does an SBOM describe the packages an image really has? Each package's identity the vdb
 * determines (the purl: category, name, version, slot, repository, USE, BUILD_ID) and its
 * declared licence are compared both ways; binpkg checksums come from the binhost, not the image,
 * and are not compared here.
 */
import { packagePurl, IMAGE_SPDX_ID, type SpdxDocument } from '../sbom/spdx.ts';
import { spdxLicense } from '../sbom/license.ts';
import type { InstalledPackage } from '../sbom/vdb.ts';

export interface SbomMismatch {
  /** In the image's /var/db/pkg but not in the SBOM (or listed differently there). */
  missing: string[];
  /** In the SBOM but not installed (or installed differently). */
  extra: string[];
}

function identity(purl: string, licence: string): string {
  return `${purl} licence=${licence}`;
}

export function compareSbom(doc: SpdxDocument, installed: readonly InstalledPackage[]): SbomMismatch {
  const listed = new Set(
    (doc.packages ?? [])
      .filter((p) => p.SPDXID !== IMAGE_SPDX_ID)
      .map((p) => identity(p.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator ?? `(no purl: ${p.name})`, p.licenseDeclared)),
  );
  const real = new Set(installed.map((p) => identity(packagePurl(p), spdxLicense(p.license, p.use).expression)));
  return { missing: [...real].filter((x) => !listed.has(x)).sort(), extra: [...listed].filter((x) => !real.has(x)).sort() };
}
