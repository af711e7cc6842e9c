import type { ListrTask, ListrTaskWrapper } from 'listr2';
import { PHASES, type PhaseName } from '../context.ts';
import { PHASE_LABELS, type ErrorInfo, type PlannedSubject, type RunEvent, type RunReporter } from './events.ts';
import { EXIT } from '../../errors.ts';
import { isPluginLine } from './line-reporter.ts';
import { formatElapsed } from './elapsed.ts';

export interface ListrReporterOptions {
  /** `default`: the live tree (a terminal); `silent`: nothing (--quiet). */
  renderer: 'default' | 'silent';
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

type Gate = { kind: 'start' } | { kind: 'skip'; reason: string } | { kind: 'fail'; error: ErrorInfo };
type PhaseMessage =
  | { kind: 'output'; line: string }
  | { kind: 'title'; title: string }
  /** The running phase's elapsed time, shown after its title (sent every second by the ticker). */
  | { kind: 'elapsed'; text: string }
  | { kind: 'end'; title: string; skipped?: string }
  | { kind: 'fail'; error: ErrorInfo };

/**
 * Shows a run in a terminal as listr2's live task tree: subjects (concurrent) → the six
 * phases (in order), the phase's last output lines under it. The runner drives the work; this
 * reporter only mirrors its events, so the tree never decides what runs. Events that arrive
 * before listr has started the matching task are queued.
 */
export function createListrReporter(opts: ListrReporterOptions): RunReporter {
  const gates = new Map<string, Deferred<Gate>>();
  const channels = new Map<string, Channel<PhaseMessage>>();
  const current = new Map<string, PhaseName>();
  /** Packages being built per subject: cpv → binary?, start time. */
  const inFlight = new Map<string, Map<string, { binary: boolean; at: number }>>();
  const phaseStarted = new Map<string, number>();
  let ticker: NodeJS.Timeout | undefined;
  const subjectTasks = new Map<string, ListrTaskWrapper<any, any, any>>();
  const endTitles = new Map<string, string>();
  // Loading starts now, while the runner plans, not when the first event arrives.
  const listr2 = import('listr2');
  listr2.catch(() => undefined); // awaited (and reported) in start(); never an unhandled rejection
  const deferredLogs: string[] = [];
  let running: Promise<unknown> | undefined;
  const liveTree = opts.renderer === 'default';

  const channel = (subject: string, phase: PhaseName) => {
    const key = `${subject}\0${phase}`;
    let c = channels.get(key);
    if (!c) channels.set(key, (c = new Channel()));
    return c;
  };
  const gate = (subject: string) => {
    let g = gates.get(subject);
    if (!g) gates.set(subject, (g = new Deferred()));
    return g;
  };

  const phaseTask = (subject: string, phase: PhaseName): ListrTask => ({
    title: PHASE_LABELS[phase],
    rendererOptions: { outputBar: 3, persistentOutput: false },
    task: (_ctx, task) =>
      new Promise<void>((resolve, reject) => {
        let base: string = PHASE_LABELS[phase];
        let elapsed = '';
        channel(subject, phase).attach((m) => {
          if (m.kind === 'output') task.output = m.line;
          else if (m.kind === 'title' || m.kind === 'elapsed') {
            if (m.kind === 'title') base = m.title;
            else elapsed = m.text;
            task.title = elapsed ? `${base} [${elapsed}]` : base;
          } else if (m.kind === 'end') {
            task.title = m.title;
            if (m.skipped !== undefined) task.skip(m.skipped);
            resolve();
          } else {
            task.title = PHASE_LABELS[phase];
            reject(asError(m.error));
          }
        });
      }),
  });

  // Subjects all start at once in the tree (the runner decides when they really start), so
  // listr's timer would count the wait: the subject's own build time goes into its title.
  const subjectTask = (s: PlannedSubject): ListrTask => ({
    title: s.name,
    rendererOptions: { timer: { condition: false } as never },
    task: async (_ctx, task: ListrTaskWrapper<any, any, any>) => {
      task.title = `${s.name} (waiting${s.parent ? ` for ${s.parent}` : ''})`;
      const g = await gate(s.name).promise;
      // A fast subject may have ended before listr got here.
      task.title = endTitles.get(s.name) ?? s.name;
      subjectTasks.set(s.name, task);
      if (g.kind === 'skip') return task.skip(`${s.name}: ${g.reason}`);
      if (g.kind === 'fail') throw asError(g.error);
      return task.newListr(
        PHASES.map((p) => phaseTask(s.name, p)),
        { concurrent: false, exitOnError: true },
      );
    },
  });

  /** Every second: the elapsed time of each running phase, and of each package in flight. */
  function tick(): void {
    const now = Date.now();
    for (const [subject, phase] of current) {
      const c = channel(subject, phase);
      if (!c.attached) continue;
      const at = phaseStarted.get(`${subject}\0${phase}`);
      if (at !== undefined) c.push({ kind: 'elapsed', text: formatElapsed(now - at) });
      const set = inFlight.get(subject);
      if (phase === 'emerge' && set?.size) c.push({ kind: 'title', title: packagesTitle(set, now) });
    }
  }
  function stopTicker(): void {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  }

  async function start(subjects: PlannedSubject[]): Promise<void> {
    const { Listr, ListrLogger, ProcessOutput, PRESET_TIMER } = await listr2;
    const processOutput = new ProcessOutput(opts.stdout, opts.stderr);
    const list = new Listr(subjects.map(subjectTask), {
      concurrent: true,
      exitOnError: false,
      collectErrors: false,
      // listr2's own SIGINT listener calls process.exit(127) at once: no summary, no cleanup,
      // the build container left running. Interrupts belong to the CLI (core/engine/signals.ts);
      // the tree only mirrors the runner's events, which end it on run:end. Nested lists inherit this.
      registerSignalListeners: false,
      renderer: opts.renderer,
      fallbackRendererCondition: () => false,
      rendererOptions: {
        timer: PRESET_TIMER,
        collapseSubtasks: false,
        logger: new ListrLogger({ processOutput }),
      } as never,
    });
    // A second Ctrl-C exits at once (core/engine/signals.ts): give the terminal its cursor back and
    // print what the tree held back (the "exiting" notice among it) instead of losing it.
    const onExit = () => {
      processOutput.release();
      for (const l of deferredLogs.splice(0)) opts.stderr.write(l);
    };
    process.once('exit', onExit);
    try {
      await list.run();
    } finally {
      process.off('exit', onExit);
    }
  }

  /**
   * Log lines: a subject's lines go under its running phase; other warnings and errors go to
   * stderr once the live tree has finished (it owns the terminal while it renders). Info and
   * debug lines outside a phase stay in run.log.
   */
  function log(e: Extract<RunEvent, { event: 'log' }>): void {
    if (e.level === 'debug') return;
    const important = e.level === 'warn' || e.level === 'error';
    const text = `${important ? `${e.level}: ` : ''}${e.message}`;
    const phase = e.subject ? current.get(e.subject) : undefined;
    if (e.subject && phase) {
      channel(e.subject, phase).push({ kind: 'output', line: text });
      return;
    }
    const pluginInfo = e.level === 'info' && isPluginLine(e);
    if ((!important && !pluginInfo) || (opts.renderer === 'silent' && e.level !== 'error')) return;
    const line = `[${e.subject ?? e.origin}] ${text}\n`;
    // The live tree owns the terminal while it renders; other text waits until it is done.
    if (liveTree && running) deferredLogs.push(line);
    else opts.stderr.write(line);
  }

  return {
    emit(e) {
      switch (e.event) {
        case 'run:start':
          // First, before the tree takes the terminal: where everything of this run is written.
          if (opts.renderer !== 'silent') opts.stdout.write(`run ${e.runId} — logs: ${e.runDir}/\n`);
          break;
        case 'package:start':
        case 'package:end': {
          // Every package in flight (emerge --jobs builds several at once), in the emerge phase's title.
          const set = inFlight.get(e.subject) ?? new Map<string, { binary: boolean; at: number }>();
          inFlight.set(e.subject, set);
          if (e.event === 'package:start') set.set(e.cpv, { binary: e.binary, at: Date.now() });
          else {
            set.delete(e.cpv);
            // Each package's own time, as it ends (what `binfarm status` later lists as build times).
            const how = e.status === 'failed' ? 'failed after' : e.binary ? 'merged (binary) in' : 'built in';
            channel(e.subject, 'emerge').push({ kind: 'output', line: `${e.cpv} ${how} ${formatElapsed(e.ms)}` });
          }
          if (set.size) channel(e.subject, 'emerge').push({ kind: 'title', title: packagesTitle(set) });
          break;
        }
        case 'run:plan':
          for (const s of e.subjects) gate(s.name);
          running = start(e.subjects).catch(() => {
            // Failures are reported by the CLI from the run result; listr's rejection is expected.
          });
          break;
        case 'subject:start':
          gate(e.subject).resolve({ kind: 'start' });
          break;
        case 'subject:skip':
          gate(e.subject).resolve({ kind: 'skip', reason: e.reason });
          break;
        case 'subject:end': {
          const title = `${e.subject} (${e.status === 'built' ? 'built' : 'failed'} in ${(e.ms / 1000).toFixed(1)}s)`;
          endTitles.set(e.subject, title);
          const task = subjectTasks.get(e.subject);
          if (task) task.title = title;
          if (e.status === 'failed' && e.error) {
            gate(e.subject).resolve({ kind: 'fail', error: e.error });
            // A failure between phases (e.g. computing the key, or an interrupt) must still
            // end the phase task listr is waiting for.
            const waiting = PHASES.map((p) => channel(e.subject, p)).find((c) => !c.settled);
            waiting?.push({ kind: 'fail', error: e.error });
          }
          current.delete(e.subject);
          break;
        }
        case 'phase:start':
          current.set(e.subject, e.phase);
          phaseStarted.set(`${e.subject}\0${e.phase}`, Date.now());
          if (liveTree) ticker ??= setInterval(tick, 1000).unref();
          break;
        case 'phase:end': {
          const r = e.record;
          const label = PHASE_LABELS[e.phase];
          const title = r.status === 'claimed' ? `${label} (by ${r.by}${r.note ? `: ${r.note}` : ''})` : r.note ? `${label}: ${r.note}` : label;
          channel(e.subject, e.phase).push({ kind: 'end', title, ...(r.status === 'skipped' ? { skipped: `${label}: ${r.note ?? 'skipped'}` } : {}) });
          current.delete(e.subject);
          break;
        }
        case 'phase:fail':
          channel(e.subject, e.phase).push({ kind: 'fail', error: e.error });
          current.delete(e.subject);
          break;
        case 'output':
          // Portage's `>>> Jobs: n of m complete` status lines repeat what the title says.
          if (e.phase && !JOBS_LINE.test(e.line)) channel(e.subject, e.phase).push({ kind: 'output', line: e.line });
          break;
        case 'title':
          if (e.phase) channel(e.subject, e.phase).push({ kind: 'title', title: e.title });
          break;
        case 'log':
          log(e);
          break;
        case 'run:end': {
          // Anything never started or finished (e.g. after an interrupt) is released so listr can finish.
          const reason = e.status === 'interrupted' ? 'run interrupted' : 'not run';
          for (const g of gates.values()) g.resolve({ kind: 'skip', reason });
          for (const c of channels.values()) if (!c.settled) c.push({ kind: 'fail', error: { code: 'E_INTERRUPTED', message: reason, exitCode: EXIT.interrupted } });
          stopTicker();
          break;
        }
      }
    },
    async close() {
      stopTicker();
      await running;
      running = undefined;
      for (const l of deferredLogs.splice(0)) opts.stderr.write(l);
    },
  };
}

/** `emerge: cat/pf (1m05s), cat/pf (binary, 2.1s)`: every package in flight, with its time so far once known. */
function packagesTitle(set: Map<string, { binary: boolean; at: number }>, now?: number): string {
  const one = ([cpv, p]: [string, { binary: boolean; at: number }]) => {
    const notes = [...(p.binary ? ['binary'] : []), ...(now !== undefined ? [formatElapsed(now - p.at)] : [])];
    return notes.length ? `${cpv} (${notes.join(', ')})` : cpv;
  };
  return `emerge: ${[...set].map(one).join(', ')}`;
}

const JOBS_LINE = /^(?:\x1b\[[0-9;]*m)*>>> Jobs: \d+ of \d+ complete/;

function asError(info: ErrorInfo): Error {
  return Object.assign(new Error(info.message), { code: info.code });
}

class Deferred<T> {
  readonly promise: Promise<T>;
  private settled = false;
  private res!: (v: T) => void;
  constructor() {
    this.promise = new Promise<T>((r) => (this.res = r));
  }
  resolve(v: T): void {
    if (this.settled) return;
    this.settled = true;
    this.res(v);
  }
}

/** Messages for one phase task: queued until the task attaches, then delivered in order. */
class Channel<T extends { kind: string }> {
  private queue: T[] = [];
  private handler: ((m: T) => void) | undefined;
  /** An end or fail message was pushed: the phase task is (or will be) finished. */
  settled = false;
  push(m: T): void {
    if (this.settled) return;
    if (m.kind === 'end' || m.kind === 'fail') this.settled = true;
    if (this.handler) this.handler(m);
    else this.queue.push(m);
  }
  get attached(): boolean {
    return this.handler !== undefined;
  }
  attach(h: (m: T) => void): void {
    this.handler = h;
    for (const m of this.queue.splice(0)) h(m);
  }
}
