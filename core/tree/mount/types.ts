import type { Engine, MountSpec } from '../../engine/types.ts';
import type { RunContext, SubjectBuild } from '../../run/context.ts';
import type { TreeArtifact, TreeNeeds } from '../sources/types.ts';
import type { TreeSource } from '../sources/index.ts';

export interface StrategyContext {
  run: RunContext;
  engine: Engine;
  /** Every repository source of the run, the main tree first. */
  sources: TreeSource[];
  /** Chosen by `auto` (a strategy may decline what it would do only when forced). */
  auto: boolean;
  /** An image for helper containers that are created but never started (the stage3 image). */
  helperImage: string | undefined;
  output(line: string): void;
  warn(line: string): void;
}

/** One repository to make available at `target` in the build containers. */
export interface RepoMount {
  name: string;
  target: string;
  artifact: TreeArtifact;
}

/**
 * How the trees reach the build containers. Strategies are registered by name (mount/registry.ts);
 * `mount.strategy` picks one, `auto` takes the first available by `autoPriority`.
 */
export interface MountStrategy {
  readonly name: string;
  /** Order in which `auto` tries strategies (lower first); absent: never chosen by `auto`. */
  readonly autoPriority?: number;
  /** What each repository must be turned into for this strategy. */
  needs(source: TreeSource): TreeNeeds;
  /** Why the strategy cannot work here, with the fix; undefined when it can. */
  unavailable(ctx: StrategyContext): Promise<string | undefined>;
  /** Once per run and repository; the container mount (undefined: nothing to mount). */
  provision(repo: RepoMount, ctx: StrategyContext): Promise<MountSpec | undefined>;
  /** Per subject, after provisioning (e.g. `copy` bakes the trees into the base image). */
  prepareBuild?(build: SubjectBuild, repos: RepoMount[], ctx: StrategyContext): Promise<void>;
}
