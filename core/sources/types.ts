import type { TreeSource } from '../tree/sources/index.ts';
import type { NamedIndex } from '../plan/tree-slice.ts';

/** One repository (the tree or an overlay) as resolved before the plan. */
export interface RepoResolution {
  /** `gentoo` for the tree, the overlay's name otherwise (names its part of a tree slice). */
  name: string;
  source: TreeSource;
  /** Snapshot digest (same naming as TreeArtifact.digest); undefined: unknown until fetched. */
  digest?: string;
  /** A host directory holding the snapshot (`dir` sources). */
  dir?: string;
  /** `run --locked`: the locked snapshot is taken from the tree cache by its digest, not from `source`. */
  fromCache?: boolean;
  /** `run --locked`: why the locked snapshot cannot be obtained (`digest` is then today's). */
  lockMiss?: string;
}

/** The sources of a run or a plan: resolved once, before any skip decision. */
export interface ResolvedSources {
  /** Digest of the stage3 (registry RepoDigest or image id, local image id, tarball sha512). */
  stage3?: string;
  repos: RepoResolution[];
  /** Combined digest of the tree and overlays (undefined while one is unknown). */
  tree?: string;
  /** What could not be resolved and why, what a pull moved. */
  notes: string[];
  /** Time the resolution took (ms), reported on its own by bench/pipeline.ts. */
  ms: number;
  /** Tree indexes of every repository (built once per digest); undefined when one is unknown. */
  indexes(): Promise<NamedIndex[] | undefined>;
}
