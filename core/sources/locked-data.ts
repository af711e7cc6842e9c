/**
 * `run --locked`: the source identities of binfarm.lock, handed to the source resolution before
 * the plan (core/lock/locked-run.ts sets them), so that the stage3 and every repository are
 * fetched by their locked identity instead of what the config resolves to today.
 * A module without imports of its own: core/sources/, core/stage3/ and core/tree/ all read it.
 */
export const LOCKED_SOURCES_DATA = 'binfarm:locked-sources';

export interface LockedSources {
  /** The lock file, for messages. */
  file: string;
  stage3?: string | undefined;
  /** Repository name (`gentoo` for the tree) → snapshot identity. */
  repos: Record<string, string>;
}

export function lockedSourcesOf(run: { data: Map<string, unknown> }): LockedSources | undefined {
  return run.data.get(LOCKED_SOURCES_DATA) as LockedSources | undefined;
}
