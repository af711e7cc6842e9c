import type { Farm } from '../farm.ts';
import type { Engine } from '../engine/types.ts';
import type { RunPlan } from '../plan/types.ts';
import type { RunContext, SubjectBuild } from './context.ts';

/**
 * What the runner needs from the planner (core/plan) and the engine (core/engine). Imported
 * lazily: `plan` must not load dockerode, and `--help` must not load either.
 */
export interface RunCollaborators {
  /** The ordered plan of the run (ancestors included, stale subjects `build`). */
  plan(farm: Farm, targets: string[], run: RunContext): Promise<RunPlan>;
  /** The container engine of the run (created on first use). */
  engine(run: RunContext): Promise<Engine>;
  /** The subject's content key once fetchStage3/mountPortage know the real digests. */
  rekey(build: SubjectBuild): Promise<string | undefined>;
  /** Takes the state dir's run lock; resolves to its release. */
  lock(stateDir: string, info: { runId: string; command: string }): Promise<() => Promise<void> | void>;
}

// Module paths as variables until those modules land (they are written concurrently).
const PLAN = '../plan/plan.ts';
const KEY = '../plan/key.ts';
const LOCK = '../plan/lock.ts';
const ENGINE = '../engine/docker-engine.ts';

export const defaultCollaborators: RunCollaborators = {
  async plan(farm, targets, run) {
    const { planRun } = await import(PLAN);
    return planRun(farm, targets, { engine: () => run.engine() });
  },
  async engine(run) {
    const { createEngine } = await import(ENGINE);
    return createEngine(run.options, run.runId, run.logger.child('engine'));
  },
  async rekey(build) {
    const { computeSubjectKey } = await import(KEY);
    return computeSubjectKey(build);
  },
  async lock(stateDir, info) {
    const { acquireRunLock } = await import(LOCK);
    return acquireRunLock(stateDir, info);
  },
};
