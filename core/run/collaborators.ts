import type { FarmContext } from '../types.ts';
import type { Engine } from '../engine/types.ts';
import type { RunPlan } from '../plan/types.ts';
import type { RunContext, SubjectBuild } from './context.ts';

/**
 * What the runner needs from the planner (core/plan) and the engine (core/engine). Imported
 * lazily: `plan` must not load dockerode, and `--help` must load neither. Tests replace them.
 */
export interface RunCollaborators {
  /** The ordered plan of the run (ancestors included, stale subjects `build`). */
  plan(farm: FarmContext, targets: string[], run: RunContext): Promise<RunPlan>;
  /** The container engine of the run (created on first use). */
  engine(run: RunContext): Promise<Engine>;
  /** The subject's final content key, after its emerge (the tree slice is known then). */
  rekey(build: SubjectBuild): Promise<string | undefined>;
  /**
   * How many subjects may prepare at once (the phases before emerge, and emerge until the executor
   * ends the turn): the run's executor says (core/run/preparation-turns.ts).
   */
  preparations(farm: FarmContext, run: RunContext): Promise<number | undefined>;
  /** Takes the state dir's run lock; resolves to its release. */
  lock(stateDir: string, info: { runId: string; command: string; warn: (m: string) => void }): Promise<() => Promise<void> | void>;
}

export const defaultCollaborators: RunCollaborators = {
  async plan(farm, targets, run) {
    // The sources ask for the engine first thing: it connects (version check, orphan sweep) while
    // the planner's modules load. A failure is theirs to report, where they ask for it.
    run.engine().catch(() => undefined);
    const [{ planRun }, { sourcesOfRun }] = await Promise.all([import('../plan/plan.ts'), import('../sources/resolve.ts')]);
    // Sources first: every skip decision is made on the real stage3 and tree digests.
    const sources = await sourcesOfRun(run);
    run.logger.child('sources').info(`sources resolved in ${sources.ms} ms`);
    return planRun(farm, targets, { engine: () => run.engine(), sources });
  },
  async engine(run) {
    const [{ createEngine }, { sweepOrphans }] = await Promise.all([import('../engine/docker-engine.ts'), import('../engine/orphans.ts')]);
    const logger = run.logger.child('engine');
    const engine = await createEngine(run.options, run.runId, logger, { stateDir: run.stateDir, signal: run.signal, rootDir: run.rootDir });
    // Leftovers of runs that died (Ctrl-C twice, kill -9) are released before new work starts.
    // Services only with the swarm executor: a plain engine has none (and would refuse the call).
    const swept = await sweepOrphans(engine, run.stateDir, { services: run.options.run.executor === 'swarm' });
    const n = swept.containers.length + swept.volumes.length + swept.services.length + swept.resources.length;
    if (n) logger.warn(`removed ${n} leftover(s) of earlier interrupted run(s) ${swept.runs.join(', ')}`);
    for (const p of swept.problems) logger.warn(`orphan sweep: ${p}`);
    return engine;
  },
  async rekey(build) {
    const { computeSubjectKey } = await import('../plan/key.ts');
    return computeSubjectKey(build);
  },
  async preparations(farm, run) {
    const { executorOf } = await import('../executor/registry.ts');
    // An executor that cannot run is reported by the emerge phase, which asks for it too (the same check, once per run).
    const executor = await executorOf(farm, run).catch(() => undefined);
    return executor?.preparations?.(run);
  },
  async lock(stateDir, info) {
    const { acquireRunLock } = await import('../plan/lock.ts');
    return acquireRunLock(stateDir, info);
  },
};
