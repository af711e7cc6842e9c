import { join } from 'node:path';
import type { Farm } from '../farm.ts';
import type { RunSummary } from '../hooks.ts';
import type { RunPlan, SubjectPlan } from '../plan/types.ts';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import { formatLogArgs, type LogType } from '../log/logger.ts';
import { setScopeSink, withLogScope } from '../log/run-sink.ts';
import { instrumentPhaseHooks } from './claims.ts';
import { guardTapResults } from './tap-results.ts';
import type { PhaseName, SubjectBuild } from './context.ts';
import { LogFile, stamp } from './log-file.ts';
import type { RunFailure, RunReporter } from './progress/events.ts';
import { createRunId } from './run-id.ts';
import { runSchedule } from './schedule.ts';
import { createPreparationTurns } from './preparation-turns.ts';
import { createSubjectBuild, type SubjectRunDeps } from './subject-build.ts';
import { walkSubject } from './walk.ts';
import { newSubjectBuild } from './new-subject-build.ts';
import { errorReport } from '../error-report.ts';
import { defaultCollaborators, type RunCollaborators } from './collaborators.ts';
import { createRunContext } from './create-run-context.ts';
import { createJournalReporter, teeReporters } from './journal.ts';
import { nowMs } from '../util/clock.ts';

export interface RunFarmOptions {
  /** Subjects to build (their missing ancestors are added by the planner); default: options.targets or all. */
  targets?: string[];
  /** Aborting it stops the run: nothing new starts, running phases see `run.signal`. */
  signal?: AbortSignal;
  /** Where progress goes; default: nothing (the CLI passes the selected renderer). */
  reporter?: RunReporter;
  /** A precomputed plan; default: the planner's plan of `targets`. */
  plan?: RunPlan;
  /** Stop starting subjects after the first failure (default: independent subjects go on). */
  failFast?: boolean;
  /** Replace the planner, engine, key or lock (tests; embedding). */
  collaborators?: Partial<RunCollaborators>;
  runId?: string;
  /** `run --pull`: re-pull floating stage3/tree image tags before planning and say what moved. */
  pull?: boolean;
  /** `run --locked`: build only what binfarm.lock holds (core/lock/locked-run.ts). */
  locked?: boolean;
}

export interface RunResult {
  runId: string;
  runDir: string;
  status: 'done' | 'failed' | 'interrupted';
  summary: RunSummary;
  builds: Map<string, SubjectBuild>;
  failures: RunFailure[];
  /** The first failure (what decides the exit code). */
  error?: unknown;
  plan: RunPlan;
}

/**
 * `binfarm run`: plan the subject DAG, then build each stale subject through the six phase
 * hooks (its walk: core/run/walk.ts), parents before children, up to `run.concurrency` at once. Lifecycle: beforeRun →
 * subjects → done(summary) | failed(error) → shutdown (always) → engine cleanup (always).
 * Every log line goes to `<runDir>/run.log`; each subject has `<runDir>/<subject>.log`.
 */
export function runFarm(farm: Farm, opts: RunFarmOptions = {}): Promise<RunResult> {
  // Farm loggers used during the run write to this run's log, not another run's (core/log/run-sink.ts).
  return withLogScope(() => runInScope(farm, opts));
}

async function runInScope(farm: Farm, opts: RunFarmOptions): Promise<RunResult> {
  const options = farm.options;
  const collab = { ...defaultCollaborators, ...opts.collaborators };
  const runId = opts.runId ?? createRunId();
  const controller = new AbortController();
  const { run, engineIfCreated } = createRunContext({
    farm,
    runId,
    command: farm.command,
    publish: options.run.publish,
    signal: controller.signal,
    logger: farm.getLogger('binfarm:run'),
    engine: (r) => collab.engine(r),
  });
  const { stateDir, runDir } = run;
  if (opts.pull) run.data.set('binfarm:pull', true); // read by core/sources/resolve.ts (PULL_DATA)
  const runLog = new LogFile(join(runDir, 'run.log'), 0);
  const journal = createJournalReporter({ runId, runDir, command: farm.command, configFile: farm.configFile });
  const reporter = teeReporters(journal, opts.reporter ?? { emit() {}, close: async () => {} });
  const onAbort = () => controller.abort(opts.signal?.reason ?? new BinfarmError('E_INTERRUPTED', 'the run was interrupted'));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const sink = (origin: string, type: LogType, args: unknown[], subject?: string, phase?: PhaseName) => {
    const message = formatLogArgs(args);
    runLog.line(`${stamp()} ${type.padEnd(5)} [${subject ? `${subject}:` : ''}${origin}] ${message}`);
    reporter.emit({ event: 'log', level: type, origin, ...(subject ? { subject } : {}), ...(phase ? { phase } : {}), message });
  };
  setScopeSink((origin, type, args) => sink(origin, type, args));

  const t0 = nowMs();
  const builds = new Map<string, SubjectBuild>();
  const failures: Failure[] = [];
  const summary: RunSummary = { built: [], skipped: [], failed: [] };
  let firstError: unknown;
  let plan: RunPlan | undefined;
  let release: (() => Promise<void> | void) | undefined;
  runLog.line(`${stamp()} info  [binfarm:run] run ${runId} (${farm.command}) config ${farm.configFile ?? '(none)'}`);

  reporter.emit({ event: 'run:start', runId, runDir });
  try {
    release = await collab.lock(stateDir, { runId, command: farm.command, warn: (m) => run.logger.warn(m) });
    // --locked: the sources are resolved to the locked ones, so the plan and the builds use them.
    if (opts.locked) await (await import('../lock/locked-run.ts')).pinLockedSources(farm, run);
    plan = opts.plan ?? (await collab.plan(farm, opts.targets ?? [], run));
    if (opts.locked) await (await import('../lock/locked-run.ts')).enforceLock(farm, run, plan);
    instrumentPhaseHooks(farm);
    guardTapResults(farm);
    reporter.emit({
      event: 'run:plan',
      concurrency: options.run.concurrency,
      subjects: plan.order.map((s) => ({
        name: s.subject.name,
        parent: s.subject.parent,
        action: s.action,
        reasons: s.reasons.map((r) => `${r.input}: ${r.change}`),
      })),
    });
    await farm.hooks.beforeRun.promise(run);

    const turns = createPreparationTurns(() => collab.preparations(farm, run));
    const preparationTurn = (build: SubjectBuild) => turns((n) => build.progress.title(`waiting to prepare: ${n} subject${n === 1 ? '' : 's'} at a time (run.executor)`));
    const deps: SubjectRunDeps = { farm, run, reporter, sink, rekey: collab.rekey, preparationTurn };
    const byName = new Map(plan.order.map((s) => [s.subject.name, s]));
    const outcomes = await runSchedule(
      plan.order.map((s) => ({ name: s.subject.name, parent: s.subject.parent })),
      {
        concurrency: options.run.concurrency,
        stop: () => (controller.signal.aborted ? 'run interrupted' : opts.failFast && failures.length ? 'an earlier subject failed (--fail-fast)' : undefined),
        skipped: (name, reason) => {
          summary.skipped.push(name);
          runLog.line(`${stamp()} info  [binfarm:run] ${name}: skipped, ${reason}`);
          reporter.emit({ event: 'subject:skip', subject: name, reason });
        },
        work: async (name) => {
          const sp = byName.get(name)!;
          const parent = sp.subject.parent ? builds.get(sp.subject.parent) : undefined;
          if (sp.action === 'skip') {
            builds.set(name, upToDate(deps, sp, parent));
            summary.skipped.push(name);
            reporter.emit({ event: 'subject:skip', subject: name, reason: skipReason(sp) });
            return;
          }
          await buildOne(deps, sp, parent, builds, summary, failures);
        },
      },
    );
    firstError = failures[0]?.error ?? firstFailure(outcomes);
    if (controller.signal.aborted && !firstError) firstError = controller.signal.reason;
    if (firstError === undefined) await farm.hooks.done.promise(run, summary);
    // An interrupt during `done` (publishing) that no tap turned into an error still ends the run as interrupted.
    if (controller.signal.aborted && firstError === undefined) firstError = controller.signal.reason;
  } catch (e) {
    firstError ??= e;
  } finally {
    if (firstError !== undefined) {
      const err = firstError instanceof Error ? firstError : new Error(String(firstError));
      safely(() => farm.hooks.failed.call(err, run), runLog);
    }
    await safelyAsync(() => farm.hooks.shutdown.promise(run), runLog);
    const engine = engineIfCreated();
    if (engine) await safelyAsync(async () => (await engine).cleanup(), runLog);
    if (release) await safelyAsync(async () => release!(), runLog);
    setScopeSink(undefined);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  const interrupted = controller.signal.aborted || (isBinfarmError(firstError) && firstError.code === 'E_INTERRUPTED');
  const status = firstError === undefined ? 'done' : interrupted ? 'interrupted' : 'failed';
  const ms = Math.round(nowMs() - t0);
  runLog.line(
    `${stamp()} info  [binfarm:run] ${status}: built ${summary.built.length}, skipped ${summary.skipped.length}, failed ${summary.failed.length} in ${ms} ms`,
  );
  if (firstError !== undefined && !failures.length) {
    runLog.line(`${stamp()} error [binfarm:run] ${errorReport(firstError).message}`);
  }
  const reported: RunFailure[] = failures.map(({ error, ...f }) => ({ ...f, error: errorReport(error) }));
  reporter.emit({ event: 'run:end', status, summary, runDir, ms, failures: reported });
  await reporter.close();
  runLog.close();
  return {
    runId,
    runDir,
    status,
    summary,
    builds,
    failures: reported,
    ...(firstError !== undefined ? { error: firstError } : {}),
    plan: plan ?? { requested: opts.targets ?? [], order: [] },
  };
}

type Failure = Omit<RunFailure, 'error'> & { error: unknown };

async function buildOne(
  deps: SubjectRunDeps,
  sp: SubjectPlan,
  parent: SubjectBuild | undefined,
  builds: Map<string, SubjectBuild>,
  summary: RunSummary,
  failures: Failure[],
): Promise<void> {
  const name = sp.subject.name;
  const { build, log, phase } = createSubjectBuild(deps, sp, parent);
  builds.set(name, build);
  deps.reporter.emit({ event: 'subject:start', subject: name });
  log.line(`== ${name}: build started (run ${deps.run.runId}); ${sp.reasons.map((r) => `${r.input}: ${r.change}`).join('; ') || 'no reason recorded'}`);
  const t0 = nowMs();
  try {
    await walkSubject(deps, build, log, phase);
    summary.built.push(name);
    deps.reporter.emit({ event: 'subject:end', subject: name, status: 'built', ms: Math.round(nowMs() - t0) });
  } catch (e) {
    summary.failed.push(name);
    const failedPhase = build.phases.find((p) => p.status === 'failed')?.phase;
    failures.push({ subject: name, ...(failedPhase ? { phase: failedPhase } : {}), error: e, logFile: log.path, tail: log.tail() });
    deps.reporter.emit({ event: 'subject:end', subject: name, status: 'failed', ms: Math.round(nowMs() - t0), error: errorReport(e) });
    throw e;
  } finally {
    log.close();
  }
}

/** A subject whose key already has an image: its build record for the children. */
function upToDate(deps: SubjectRunDeps, sp: SubjectPlan, parent: SubjectBuild | undefined): SubjectBuild {
  const o = deps.run.options;
  const image = sp.image ?? (sp.key ? { ref: `${o.imagePrefix}/${sp.subject.name}:${sp.key.slice(0, 12)}`, id: '' } : undefined);
  const logger = deps.farm.getLogger(sp.subject.name);
  return newSubjectBuild({ run: deps.run, subject: sp.subject, parent, logger, key: sp.key, image, partition: sp.partition });
}

function skipReason(sp: SubjectPlan): string {
  const r = sp.reasons.map((x) => `${x.input}: ${x.change}`).join('; ');
  return r || `up to date${sp.key ? ` (key ${sp.key.slice(0, 12)})` : ''}`;
}

function firstFailure(outcomes: Map<string, { status: string; error?: unknown }>): unknown {
  for (const o of outcomes.values()) if (o.status === 'failed') return o.error;
  return undefined;
}

function safely(fn: () => void, log: LogFile): void {
  try {
    fn();
  } catch (e) {
    log.line(`${stamp()} error [binfarm:run] ${errorReport(e).message}`);
  }
}

async function safelyAsync(fn: () => Promise<unknown>, log: LogFile): Promise<void> {
  try {
    await fn();
  } catch (e) {
    log.line(`${stamp()} error [binfarm:run] cleanup: ${errorReport(e).message}`);
  }
}

