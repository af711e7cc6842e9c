import type { Engine } from '../../engine/types.ts';
import type { TreeCache } from '../cache.ts';

/** What a tree source needs from the run. */
export interface TreeContext {
  engine: Engine;
  cache: TreeCache;
  /** Anchor for relative paths in the config. */
  rootDir: string;
  cacheDir: string;
  signal?: AbortSignal | undefined;
  output(line: string): void;
  warn(line: string): void;
  /** How messages name this repository: `the tree` or `overlay "science"`. */
  what: string;
}

/** What the mount strategy needs of a repository. */
export interface TreeNeeds {
  /** A squashfs image on this host. */
  sqfs: boolean;
  /** A host directory holding the tree. */
  dir: boolean;
}

/** A repository snapshot, ready to be mounted. */
export interface TreeArtifact {
  /**
   * Content digest naming the snapshot: `sha512:<hex>` (snapshot tarball or official .sqfs),
   * `git:<commit>`, `sha256:<hex>` (hash of a directory's tar stream), `image:<id>[:<path>]`.
   */
  digest: string;
  /** From profiles/repo_name. */
  repoName: string;
  sqfs?: string;
  dir?: string;
  /** Where it came from, for messages and the cache metadata. */
  source: string;
}
