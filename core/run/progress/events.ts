import type { ErrorReport } from '../../error-report.ts';
import type { LogType } from '../../log/logger.ts';
import type { RunSummary } from '../../hooks.ts';
import type { PhaseName, PhaseRecord } from '../context.ts';

/**
 * What a run reports while it goes: the runner emits these, a reporter shows them (a listr2
 * task tree, or one JSON object per line with --json). The runner never prints directly.
 */
/** An error as report data (core/error-report.ts). */
export type ErrorInfo = ErrorReport;

export interface PlannedSubject {
  name: string;
  parent: string | null;
  action: 'build' | 'skip';
  /** Why it is built (stale inputs) or skipped (up to date). */
  reasons: string[];
}

export interface RunFailure {
  subject: string;
  phase?: PhaseName;
  error: ErrorInfo;
  /** The subject's log file and its last lines. */
  logFile: string;
  tail: string[];
}

export type RunEvent =
  | { event: 'run:start'; runId: string; runDir: string }
  | { event: 'run:plan'; subjects: PlannedSubject[]; concurrency: number }
  | { event: 'subject:start'; subject: string }
  | { event: 'subject:skip'; subject: string; reason: string }
  | { event: 'subject:end'; subject: string; status: 'built' | 'failed'; ms: number; error?: ErrorInfo }
  | { event: 'phase:start'; subject: string; phase: PhaseName }
  | { event: 'phase:end'; subject: string; phase: PhaseName; record: PhaseRecord }
  | { event: 'phase:fail'; subject: string; phase: PhaseName; ms: number; error: ErrorInfo }
  | { event: 'output'; subject: string; phase?: PhaseName; line: string }
  | { event: 'title'; subject: string; phase?: PhaseName; title: string }
  | { event: 'package:start'; subject: string; cpv: string; binary: boolean }
  | { event: 'package:end'; subject: string; cpv: string; binary: boolean; status: 'done' | 'failed'; ms: number }
  | { event: 'log'; level: LogType; origin: string; subject?: string; phase?: PhaseName; message: string }
  | {
      event: 'run:end';
      status: 'done' | 'failed' | 'interrupted';
      summary: RunSummary;
      runDir: string;
      ms: number;
      failures: RunFailure[];
    };

export interface RunReporter {
  emit(e: RunEvent): void;
  /** Resolves once everything is shown (the task tree has finished rendering). */
  close(): Promise<void>;
}

export const PHASE_LABELS: Record<PhaseName, string> = {
  fetchStage3: 'fetch stage3',
  mountPortage: 'mount portage tree',
  applyPatches: 'apply Portage config',
  emerge: 'emerge',
  package: 'package',
  publish: 'publish',
};

/** A reporter that records events (tests, programmatic use). */
export function collectingReporter(into: RunEvent[] = []): RunReporter & { events: RunEvent[] } {
  return { events: into, emit: (e) => void into.push(e), close: async () => {} };
}

/** Sends every event to several reporters. */
export function teeReporter(...reporters: RunReporter[]): RunReporter {
  return {
    emit: (e) => reporters.forEach((r) => r.emit(e)),
    close: async () => void (await Promise.all(reporters.map((r) => r.close()))),
  };
}
