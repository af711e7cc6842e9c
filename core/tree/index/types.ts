/**
 * The tree index of one repository snapshot (cached by its digest): what a subject's tree slice
 * is computed from. Package dirs and eclasses are content digests; inherits are eclass names.
 */
export const TREE_INDEX_VERSION = 1;

export interface PackageEntry {
  /** sha256 of the package dir: ebuilds, Manifest, files/ (metadata.xml excluded: descriptions only). */
  d: string;
  /** Versions of its ebuilds (`1.7.1`, `1.8.0-r1`), sorted as strings. */
  v: string[];
  /** Eclasses its ebuilds inherit (md5-cache `_eclasses_` when valid, else `inherit` lines), sorted. */
  e: string[];
}

export interface EclassEntry {
  d: string;
  /** Eclasses it inherits itself (its `inherit` lines). */
  i: string[];
}

export interface RepoIndex {
  version: typeof TREE_INDEX_VERSION;
  digest: string;
  packages: Record<string, PackageEntry>;
  eclasses: Record<string, EclassEntry>;
  /** sha256 of profiles/ (minus PROFILES_EXCLUDED) and metadata/layout.conf. */
  profiles: string;
}
