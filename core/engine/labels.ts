/**
 * Labels on everything binfarm creates in Docker. `binfarm.owned=1` marks ours (nothing without it
 * is ever touched); `binfarm.run` ties a container or volume to the run that must remove it;
 * `binfarm.host` + `binfarm.state` say which machine and state directory created it, so an orphan
 * sweep on a shared engine never removes another machine's (or another checkout's) live objects.
 * Objects meant to outlive a run (the tree volume cache) carry `binfarm.cache` instead of a run id.
 */
import { hostname } from 'node:os';
import { sha256 } from '../util/hash.ts';

export const LABEL = {
  owned: 'binfarm.owned',
  run: 'binfarm.run',
  host: 'binfarm.host',
  state: 'binfarm.state',
  cache: 'binfarm.cache',
} as const;

/** Short digest of a state directory path, stable for one checkout. */
export function stateTag(stateDir: string): string {
  return sha256(stateDir).slice(0, 12);
}

export interface LabelScope {
  runId: string;
  stateDir?: string;
}

/** Labels for an object that belongs to one run and is removed at its end. */
export function runLabels(scope: LabelScope): Record<string, string> {
  return {
    [LABEL.owned]: '1',
    [LABEL.run]: scope.runId,
    [LABEL.host]: hostname(),
    ...(scope.stateDir ? { [LABEL.state]: stateTag(scope.stateDir) } : {}),
  };
}

/** Labels for a cache object that outlives runs (never removed by run cleanup or the sweep). */
export function cacheLabels(kind: string): Record<string, string> {
  return { [LABEL.owned]: '1', [LABEL.cache]: kind };
}

/** Dockerfile `LABEL` instructions for commit/import `changes` (values JSON-quoted). */
export function labelChanges(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
}
