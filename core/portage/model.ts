/**
 * The /etc/portage model: every contributor (the config, a subject, a plugin) adds entries
 * tagged with its name; the renderer turns the model into files, one file per contributor
 * (`package.use/50-hep-core`), in a stable order.
 */
export type PackageFileKind =
  | 'package.use'
  | 'package.accept_keywords'
  | 'package.license'
  | 'package.mask'
  | 'package.unmask'
  | 'package.env';

export interface PackageEntry {
  kind: PackageFileKind;
  /** Who added it; becomes the file name under package.<kind>/. */
  contributor: string;
  atom: string;
  /** Flags, keywords, licences or env file names; empty for mask/unmask. */
  tokens: string[];
}

export interface MakeConfContribution {
  contributor: string;
  vars: Record<string, string>;
  /** When two contributors set one non-incremental variable differently, the higher precedence wins; equal precedence is an error. */
  precedence?: number;
}

export interface RepoConfEntry {
  location: string;
  priority?: number;
  masters?: string[];
  /** A read-only tree: empty sync-type/sync-uri and auto-sync = no. */
  readOnly?: boolean;
}

export interface BinrepoConfEntry {
  syncUri: string;
  priority?: number;
  location?: string;
  verifySignature?: boolean;
}

export interface PatchEntry {
  contributor: string;
  /** `cat/pn` or `cat/pn-ver` (directory under patches/). */
  target: string;
  name: string;
  content: string;
}

export interface ProfileSpec {
  /** Name of the generated profile, e.g. `binfarm/amd64/23.0/opt`. */
  name: string;
  /** Arch column of profiles/profiles.desc (default `amd64`). */
  arch?: string;
  /** The local overlay repository holding the profile (default `binfarm-local` at /var/db/repos/binfarm-local). */
  repo?: { name: string; location: string };
  /** Parent profile, e.g. `gentoo:default/linux/amd64/23.0`. */
  parents: string[];
  eapi: string;
  makeDefaults: Record<string, string>;
  packages: string[];
  packageUse: Array<{ atom: string; tokens: string[] }>;
}

export interface FileEntry {
  contributor: string;
  /** Path relative to /etc/portage. */
  path: string;
  content: string;
}

export interface PortageModel {
  makeConf: MakeConfContribution[];
  entries: PackageEntry[];
  /** set name → atoms (and `@nested` sets), in insertion order. */
  sets: Record<string, string[]>;
  /** set name → contributor that defined it (named in the rendered file's header). */
  setContributors?: Record<string, string>;
  /** env/<name> → make.conf-syntax content. */
  env: Record<string, string>;
  repos: Record<string, RepoConfEntry>;
  binrepos: Record<string, BinrepoConfEntry>;
  /** Remove every binrepos.conf file the stage3 ships. */
  removeStage3Binrepos: boolean;
  patches: PatchEntry[];
  /** profile/package.provided */
  provided: string[];
  /** The generated custom profile, when enabled; otherwise make.profile points at `profileTarget`. */
  profile?: ProfileSpec;
  /** Gentoo profile path make.profile points at when no custom profile is generated. */
  profileTarget: string;
  files: FileEntry[];
  /** make.conf as one file (default) or as a directory of `NN-contributor.conf` files. */
  makeConfLayout?: 'file' | 'dir';
}

export function emptyPortageModel(profileTarget = 'default/linux/amd64/23.0'): PortageModel {
  return {
    makeConf: [],
    entries: [],
    sets: {},
    env: {},
    repos: {},
    binrepos: {},
    removeStage3Binrepos: true,
    patches: [],
    provided: [],
    profileTarget,
    files: [],
    makeConfLayout: 'file',
  };
}
