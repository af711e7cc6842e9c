import { join } from 'node:path';
import type { FarmContext } from '../types.ts';
import { BinfarmError, isBinfarmError, rootCause } from '../errors.ts';
import { createLogger, type LogType } from '../log/logger.ts';
import type { SubjectPlan } from '../plan/types.ts';
import { phaseRecord } from './claims.ts';
import { type PhaseName, type RunContext, type SubjectBuild } from './context.ts';
import { LogFile } from './log-file.ts';
import { newSubjectBuild } from './new-subject-build.ts';
import type { RunReporter } from './progress/events.ts';
import { errorReport as errorInfo } from '../error-report.ts';
import { nowMs } from '../util/clock.ts';

export interface SubjectRunDeps {
  farm: FarmContext;
  run: RunContext;
  reporter: RunReporter;
  /** Writes one log line to run.log and the reporter (after the infrastructureLog hook). */
  sink(origin: string, type: LogType, args: unknown[], subject?: string, phase?: PhaseName): void;
  /** The re-key step of the walk (core/run/walk.ts), after emerge: stage3 digest and tree slice are known (the final key). */
  rekey?(build: SubjectBuild): Promise<string | undefined>;
  /** Waits for the subject's turn to prepare (core/run/preparation-turns.ts); resolves to the turn's end. */
  preparationTurn?(build: SubjectBuild): Promise<() => void>;
}

/** A SubjectBuild with its log file, logger and progress wired to the reporter. */
export function createSubjectBuild(
  deps: SubjectRunDeps,
  plan: SubjectPlan,
  parent: SubjectBuild | undefined,
): { build: SubjectBuild; log: LogFile; phase: { current?: PhaseName } } {
  const name = plan.subject.name;
  const log = new LogFile(join(deps.run.runDir, `${name}.log`));
  const phase: { current?: PhaseName } = {};
  const emitLog = (origin: string, type: LogType, args: unknown[]) => {
    if (deps.farm.hooks.infrastructureLog.call(origin, type, args) === true) return;
    log.line(`[${type}] ${origin}: ${args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ')}`);
    deps.sink(origin, type, args, name, phase.current);
  };
  const build = newSubjectBuild({
    run: deps.run,
    subject: plan.subject,
    parent,
    logger: createLogger(name, emitLog),
    progress: {
      output(line) {
        log.line(line);
        deps.reporter.emit({ event: 'output', subject: name, ...(phase.current ? { phase: phase.current } : {}), line });
      },
      title(text) {
        log.line(`== ${text}`);
        deps.reporter.emit({ event: 'title', subject: name, ...(phase.current ? { phase: phase.current } : {}), title: text });
      },
      package(ev) {
        if (ev.kind === 'start') deps.reporter.emit({ event: 'package:start', subject: name, cpv: ev.cpv, binary: ev.binary });
        else deps.reporter.emit({ event: 'package:end', subject: name, cpv: ev.cpv, binary: ev.binary, status: ev.status, ms: ev.ms });
      },
    },
    logFile: log.path,
    key: plan.key,
    // What the plan rendered and hashed: the build renders the subject's Portage model no more (core/portage/portage-of-build.ts).
    portage: plan.portage,
  });
  return { build, log, phase };
}

/**
 * Runs one phase hook of a subject's walk (core/run/walk.ts), recording its PhaseRecord. A
 * failing phase rethrows its error (already wrapped with the plugin, hook and subject by the hooks).
 */
export async function runPhase(deps: SubjectRunDeps, build: SubjectBuild, log: LogFile, phase: { current?: PhaseName }, p: PhaseName): Promise<void> {
  const name = build.subject.name;
  if (deps.run.signal.aborted) throw interrupted(deps.run.signal.reason);
  phase.current = p;
  deps.reporter.emit({ event: 'phase:start', subject: name, phase: p });
  log.line(`== phase ${p}`);
  const t0 = nowMs();
  try {
    const result = await deps.farm.hooks[p].promise(build);
    const record = phaseRecord(deps.farm, build, p, result, Math.round(nowMs() - t0));
    build.phases.push(record);
    log.line(`== phase ${p}: ${record.status}${record.by ? ` by ${record.by}` : ''}${record.note ? ` (${record.note})` : ''} in ${record.ms} ms`);
    deps.reporter.emit({ event: 'phase:end', subject: name, phase: p, record });
  } catch (e) {
    // A phase that ends because the run was aborted fails as "interrupted", whatever it threw.
    const err = deps.run.signal.aborted ? interrupted(deps.run.signal.reason, e) : e;
    const ms = Math.round(nowMs() - t0);
    build.phases.push({ phase: p, status: 'failed', ms, note: errorInfo(err).message });
    log.line(`== phase ${p} FAILED after ${ms} ms: ${errorInfo(err).message}`);
    deps.reporter.emit({ event: 'phase:fail', subject: name, phase: p, ms, error: errorInfo(err) });
    throw err;
  } finally {
    phase.current = undefined;
  }
}

function interrupted(reason: unknown, cause?: unknown): BinfarmError {
  const root = rootCause(cause);
  if (isBinfarmError(root) && root.code === 'E_INTERRUPTED') return root;
  const message = isBinfarmError(reason) ? reason.message : 'the run was interrupted';
  return new BinfarmError('E_INTERRUPTED', message, { cause: cause ?? reason, hint: isBinfarmError(reason) ? reason.hint : undefined });
}
