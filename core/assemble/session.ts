/**
 * The run an assembly lives in, shaped like `binfarm run`'s so the built-in phase code works
 * unchanged: a RunContext (run id, `<stateDir>/runs/<id>/`, engine with the orphan sweep, the
 * abort signal), one log file `assemble-<name>.log` that gets every line, a SubjectBuild for the
 * `from` subject whose progress feeds the current step, and the steps themselves (timed,
 * reported, logged). `close()` removes the container and releases the tree mounts.
 */
import { join } from 'node:path';
import type { FarmContext } from '../types.ts';
import type { Engine } from '../engine/types.ts';
import { createLogger, formatLogArgs, type LogType } from '../log/logger.ts';
import { setScopeSink } from '../log/run-sink.ts';
import type { Progress, RunContext, SubjectBuild } from '../run/context.ts';
import { LogFile, stamp } from '../run/log-file.ts';
import { createRunId } from '../run/run-id.ts';
import { createRunContext } from '../run/create-run-context.ts';
import { newSubjectBuild } from '../run/new-subject-build.ts';
import type { Subject } from '../subject/types.ts';
import type { AssembleReporter, AssembleStep } from './progress.ts';
import { errorReport } from '../error-report.ts';
import { nowMs } from '../util/clock.ts';

export interface AssemblySession {
  readonly run: RunContext;
  readonly logFile: string;
  /** Runs one step: reported as started, then done with `note(value)`, or failed. */
  step<T>(id: AssembleStep, fn: () => Promise<T>, note?: (value: T) => string | undefined): Promise<T>;
  /** Reports a step as skipped. */
  skip(id: AssembleStep, reason: string): void;
  /** The build record of the `from` subject, for the phase code (tree mounts, container, emerge). */
  buildOf(subject: Subject, baseImage: { ref: string; digest: string }, partition: string): SubjectBuild;
  /** Warnings logged so far (shown again in the command's summary). */
  readonly warnings: string[];
  close(): Promise<void>;
}

export interface SessionOptions {
  name: string;
  reporter: AssembleReporter;
  signal?: AbortSignal;
  runId?: string;
  /** The engine of the session (tests); default: the run's engine with the orphan sweep. */
  engine?: (run: RunContext) => Promise<Engine>;
}

export function openSession(farm: FarmContext, opts: SessionOptions): AssemblySession {
  const runId = opts.runId ?? createRunId();
  const signal = opts.signal ?? new AbortController().signal;
  const { run, engineIfCreated } = createRunContext({
    farm,
    runId,
    command: 'assemble',
    publish: false,
    signal,
    logger: createLogger('binfarm:assemble', (origin, type, args) => emitLog(origin, type, args)),
    engine: async (r) => {
      if (opts.engine) return opts.engine(r);
      const { defaultCollaborators } = await import('../run/collaborators.ts');
      return defaultCollaborators.engine(r);
    },
  });
  const log = new LogFile(join(run.runDir, `assemble-${opts.name}.log`), 40);
  const { reporter } = opts;
  const warnings: string[] = [];
  let current: AssembleStep | undefined;

  const sink = (origin: string, type: LogType, args: unknown[]) => {
    const message = formatLogArgs(args);
    log.line(`${stamp()} ${type.padEnd(5)} [${origin}] ${message}`);
    if (type === 'warn') warnings.push(message);
    reporter.emit({ event: 'log', level: type, origin, message });
  };
  const emitLog = (origin: string, type: LogType, args: unknown[]) => {
    if (farm.hooks.infrastructureLog.call(origin, type, args) === true) return;
    sink(origin, type, args);
  };
  // farm loggers of the assembly's steps write here (assembleImage runs in a log scope of its own)
  setScopeSink(sink);


  const progress: Progress = {
    output(line) {
      log.line(line);
      if (current) reporter.emit({ event: 'step:output', step: current, line });
    },
    title(text) {
      log.line(`== ${text}`);
      if (current) reporter.emit({ event: 'step:title', step: current, title: text });
    },
  };

  return {
    run,
    logFile: log.path,
    warnings,
    async step(id, fn, note) {
      current = id;
      reporter.emit({ event: 'step:start', step: id });
      log.line(`== step ${id}`);
      const t0 = nowMs();
      try {
        const value = await fn();
        const text = note?.(value);
        const ms = Math.round(nowMs() - t0);
        log.line(`== step ${id}: done in ${ms} ms${text ? ` (${text})` : ''}`);
        reporter.emit({ event: 'step:end', step: id, ms, ...(text ? { note: text } : {}) });
        return value;
      } catch (e) {
        const ms = Math.round(nowMs() - t0);
        const error = errorReport(e);
        log.line(`== step ${id} FAILED after ${ms} ms: ${error.message}${error.hint ? `\n   hint: ${error.hint}` : ''}`);
        reporter.emit({ event: 'step:fail', step: id, ms, error });
        throw e;
      } finally {
        current = undefined;
      }
    },
    skip(id, reason) {
      log.line(`== step ${id}: skipped (${reason})`);
      reporter.emit({ event: 'step:end', step: id, ms: 0, skipped: reason });
    },
    buildOf(subject, baseImage, partition) {
      const logger = createLogger(subject.name, emitLog);
      return newSubjectBuild({ run, subject, parent: undefined, logger, progress, logFile: log.path, baseImage, partition });
    },
    async close() {
      try {
        const engine = engineIfCreated();
        if (engine) await (await engine).cleanup();
      } catch (e) {
        log.line(`${stamp()} error [binfarm:assemble] cleanup: ${errorReport(e).message}`);
      } finally {
        setScopeSink(undefined);
        log.close();
      }
    },
  };
}
