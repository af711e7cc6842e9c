/**
 * The run journal: `<runDir>/run.json`, what `binfarm runs` and `binfarm logs` read. It is a
 * reporter the runner tees its events into, so every run (CLI or embedded) leaves one. It is
 * written atomically at the start (status `running`, with the pid: a journal of a process that
 * died says so), when the plan is known, when each subject starts or ends, and at the end.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import type { RunEvent, RunReporter } from './progress/events.ts';

export const JOURNAL_FILE = 'run.json';

export interface JournalSubject {
  name: string;
  action: 'build' | 'skip';
  status: 'pending' | 'running' | 'built' | 'failed' | 'skipped';
  /** Why it was built or skipped. */
  reason?: string;
  startedAt?: string;
  ms?: number;
  /** Per-package build times (cat/pf → ms), from emerge's own start/end lines. */
  packages?: Record<string, { ms: number; binary: boolean; status: 'done' | 'failed' }>;
  error?: string;
}

export interface RunJournal {
  runId: string;
  command: string;
  argv: string[];
  configFile: string | null;
  pid: number;
  host: string;
  startedAt: string;
  endedAt?: string;
  ms?: number;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  subjects: JournalSubject[];
  /** The first failure, one line. */
  error?: string;
}

export interface JournalInit {
  runId: string;
  runDir: string;
  command: string;
  configFile: string | undefined;
  argv?: string[];
}

/** A reporter that keeps `<runDir>/run.json` up to date from the run's events. */
export function createJournalReporter(init: JournalInit): RunReporter & { journal: RunJournal } {
  const journal: RunJournal = {
    runId: init.runId,
    command: init.command,
    argv: init.argv ?? process.argv.slice(2),
    configFile: init.configFile ?? null,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    status: 'running',
    subjects: [],
  };
  const path = join(init.runDir, JOURNAL_FILE);
  // Writes are chained so they land in order; a failed write never fails the run.
  let chain: Promise<void> = Promise.resolve();
  const save = () => {
    const text = `${JSON.stringify(journal, null, 2)}\n`;
    chain = chain.then(() => writeFileAtomic(path, text)).catch(() => undefined);
  };
  const subject = (name: string): JournalSubject => {
    let s = journal.subjects.find((x) => x.name === name);
    if (!s) journal.subjects.push((s = { name, action: 'build', status: 'pending' }));
    return s;
  };
  save();
  return {
    journal,
    emit(e: RunEvent) {
      switch (e.event) {
        case 'run:plan':
          for (const p of e.subjects) {
            const s = subject(p.name);
            s.action = p.action;
            if (p.reasons.length) s.reason = p.reasons.join('; ');
          }
          save();
          break;
        case 'subject:start': {
          const s = subject(e.subject);
          s.status = 'running';
          s.startedAt = new Date().toISOString();
          save();
          break;
        }
        case 'subject:skip': {
          const s = subject(e.subject);
          s.status = 'skipped';
          s.reason = e.reason;
          save();
          break;
        }
        case 'subject:end': {
          const s = subject(e.subject);
          s.status = e.status;
          s.ms = e.ms;
          if (e.error) s.error = e.error.message.split('\n')[0];
          save();
          break;
        }
        case 'package:end': {
          const s = subject(e.subject);
          (s.packages ??= {})[e.cpv] = { ms: e.ms, binary: e.binary, status: e.status };
          break;
        }
        case 'run:end': {
          journal.status = e.status;
          journal.endedAt = new Date().toISOString();
          journal.ms = e.ms;
          const first = e.failures[0];
          if (first) journal.error = `${first.subject}: ${first.error.message.split('\n')[0]}`;
          save();
          break;
        }
        default:
          break;
      }
    },
    close: () => chain,
  };
}

/** Fans one event stream out to several reporters. */
export function teeReporters(...reporters: RunReporter[]): RunReporter {
  return {
    emit(e) {
      for (const r of reporters) r.emit(e);
    },
    async close() {
      await Promise.all(reporters.map((r) => r.close()));
    },
  };
}

/** The journal of one run directory; undefined when it has none (runs of older binfarm versions). */
export function readJournal(runDir: string): RunJournal | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, JOURNAL_FILE), 'utf8')) as RunJournal;
  } catch {
    return undefined;
  }
}

/** Every run directory under `<stateDir>/runs`, newest first (run ids sort by start time). */
export function listRunDirs(stateDir: string): Array<{ runId: string; dir: string }> {
  const root = join(stateDir, 'runs');
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
  return names.sort().reverse().map((runId) => ({ runId, dir: join(root, runId) }));
}

/** `running` journals of processes that no longer exist (kill -9, power loss) read as `died`. */
export function effectiveStatus(j: RunJournal): RunJournal['status'] | 'died' {
  if (j.status !== 'running' || j.host !== hostname()) return j.status;
  try {
    process.kill(j.pid, 0);
    return 'running';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'died';
  }
}
