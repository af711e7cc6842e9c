/**
 * Whether a run publishes: `--publish` / `--no-publish`, else `run.publish`. Its own module: the
 * `done` tap of core/phases/publish.ts asks it on every run, and loads the publishing code only
 * when the answer is yes (a no-op run never loads it).
 */
import type { RunContext } from '../run/context.ts';

export function publishingEnabled(run: RunContext): boolean {
  return run.publish ?? run.options.run.publish;
}
