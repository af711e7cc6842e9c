import type { ErrorReport } from '../error-report.ts';
/**
 * What an assembly reports while it goes, and the three ways to show it, chosen like `run`'s
 * (core/run/progress/select-renderer.ts): listr2's live task list in a terminal (or nothing with
 * --quiet), one line per change for logs and CI (every emerge line with --verbose), or one JSON
 * event per line with --json. The assembler only emits; reporters only show.
 */
import type { LogType } from '../log/logger.ts';
import type { RendererName } from '../run/progress/select-renderer.ts';

export const ASSEMBLE_STEPS = [
  { id: 'resolve', title: 'find the image and binhost partition' },
  { id: 'tree', title: 'mount portage tree' },
  { id: 'check', title: 'check binary packages (emerge --pretend)' },
  { id: 'direct', title: 'write the image from the binpkgs' },
  { id: 'emerge', title: 'emerge --usepkgonly' },
  { id: 'image', title: 'make the image' },
  { id: 'publish', title: 'publish' },
] as const;
export type AssembleStep = (typeof ASSEMBLE_STEPS)[number]['id'];

/** An error as report data (core/error-report.ts). */
export type StepError = ErrorReport;

export type AssembleEvent =
  | { event: 'assemble:start'; name: string; runId: string; runDir: string }
  | { event: 'step:start'; step: AssembleStep }
  | { event: 'step:title'; step: AssembleStep; title: string }
  | { event: 'step:output'; step: AssembleStep; line: string }
  | { event: 'step:end'; step: AssembleStep; ms: number; note?: string; skipped?: string }
  | { event: 'step:fail'; step: AssembleStep; ms: number; error: StepError }
  | { event: 'log'; level: LogType; origin: string; message: string }
  | { event: 'assemble:end'; status: 'done' | 'failed' | 'interrupted'; ms: number; image?: string; error?: StepError };

export interface AssembleReporter {
  emit(e: AssembleEvent): void;
  close(): Promise<void>;
}

export const silentReporter: AssembleReporter = { emit() {}, close: async () => {} };

/** A reporter that records events (tests, programmatic use). */
export function collectingAssembleReporter(): { reporter: AssembleReporter; events: AssembleEvent[] } {
  const events: AssembleEvent[] = [];
  return { events, reporter: { emit: (e) => void events.push(e), close: async () => {} } };
}

export function createAssembleReporter(renderer: RendererName, streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): AssembleReporter {
  if (renderer === 'json') return { emit: (e) => void streams.stdout.write(`${JSON.stringify(e)}\n`), close: async () => {} };
  if (renderer === 'simple' || renderer === 'verbose') return lineReporter(streams.stdout, renderer === 'verbose');
  return listrReporter(renderer, streams);
}

const title = (step: AssembleStep) => ASSEMBLE_STEPS.find((s) => s.id === step)!.title;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function lineReporter(out: { write(s: string): unknown }, verbose: boolean): AssembleReporter {
  let name = '';
  const w = (text: string) => out.write(`[${name}] ${text}\n`);
  return {
    emit(e) {
      switch (e.event) {
        case 'assemble:start':
          name = e.name;
          w(`assembling (run ${e.runId}, logs in ${e.runDir})`);
          break;
        case 'step:start':
          w(`▶ ${title(e.step)}`);
          break;
        case 'step:title':
          w(`  ${e.title}`);
          break;
        case 'step:output':
          if (verbose) w(`  │ ${e.line}`);
          break;
        case 'step:end':
          w(e.skipped !== undefined ? `↓ ${title(e.step)} skipped: ${e.skipped}` : `✔ ${title(e.step)} (${secs(e.ms)})${e.note ? `: ${e.note}` : ''}`);
          break;
        case 'step:fail':
          w(`✖ ${title(e.step)} failed after ${secs(e.ms)}: ${e.error.message.split('\n')[0]}`);
          break;
        case 'log':
          if (e.level === 'warn' || e.level === 'error' || (verbose && e.level === 'info')) w(`  ${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
          break;
        case 'assemble:end':
          break;
      }
    },
    close: async () => {},
  };
}

type StepMessage =
  { kind: 'title'; text: string } | { kind: 'output'; text: string } | { kind: 'end'; note?: string; skipped?: string } | { kind: 'fail'; error: StepError };

/** listr2's task list, one task per step; it mirrors the events and never drives the work. */
function listrReporter(renderer: 'default' | 'silent', streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): AssembleReporter {
  const queues = new Map<AssembleStep, { items: StepMessage[]; handler?: (m: StepMessage) => void }>(ASSEMBLE_STEPS.map((s) => [s.id, { items: [] }]));
  const warnings: string[] = [];
  const finished = new Set<AssembleStep>();
  let running: Promise<unknown> | undefined;
  const push = (step: AssembleStep, m: StepMessage) => {
    if (finished.has(step)) return;
    if (m.kind === 'end' || m.kind === 'fail') finished.add(step);
    const q = queues.get(step)!;
    if (q.handler) q.handler(m);
    else q.items.push(m);
  };
  const start = async () => {
    const { Listr, ListrLogger, ProcessOutput, PRESET_TIMER } = await import('listr2');
    const list = new Listr(
      ASSEMBLE_STEPS.map((s) => ({
        title: s.title,
        rendererOptions: { outputBar: 3, persistentOutput: false },
        task: (_ctx: unknown, task: { title: string; output: string; skip(msg?: string): void }) =>
          new Promise<void>((resolve, reject) => {
            const q = queues.get(s.id)!;
            q.handler = (m) => {
              if (m.kind === 'title') task.title = `${s.title}: ${m.text}`;
              else if (m.kind === 'output') task.output = m.text;
              else if (m.kind === 'end') {
                task.title = m.note ? `${s.title}: ${m.note}` : s.title;
                if (m.skipped !== undefined) task.skip(`${s.title}: ${m.skipped}`);
                resolve();
              } else {
                task.title = s.title;
                reject(Object.assign(new Error(m.error.message.split('\n')[0]), { code: m.error.code }));
              }
            };
            for (const m of q.items.splice(0)) q.handler(m);
          }),
      })),
      {
        concurrent: false,
        exitOnError: true,
        // listr2's own SIGINT listener exits 127 at once; Ctrl-C belongs to the command (core/engine/signals.ts).
        registerSignalListeners: false,
        renderer,
        fallbackRendererCondition: () => false,
        rendererOptions: { timer: PRESET_TIMER, logger: new ListrLogger({ processOutput: new ProcessOutput(streams.stdout, streams.stderr) }) } as never,
      },
    );
    await list.run();
  };
  return {
    emit(e) {
      switch (e.event) {
        case 'assemble:start':
          running = start().catch(() => undefined); // failures are reported by the command
          break;
        case 'step:title':
          push(e.step, { kind: 'title', text: e.title });
          break;
        case 'step:output':
          push(e.step, { kind: 'output', text: e.line });
          break;
        case 'step:end':
          push(e.step, { kind: 'end', ...(e.note ? { note: e.note } : {}), ...(e.skipped !== undefined ? { skipped: e.skipped } : {}) });
          break;
        case 'step:fail':
          push(e.step, { kind: 'fail', error: e.error });
          break;
        case 'log':
          if (e.level === 'warn' || e.level === 'error') warnings.push(`${e.level}: ${e.message}\n`);
          break;
        case 'assemble:end':
          // Steps never reached (after a failure or an interrupt) let listr finish.
          for (const s of ASSEMBLE_STEPS) push(s.id, { kind: 'end', skipped: e.status === 'interrupted' ? 'interrupted' : 'not run' });
          break;
        case 'step:start':
          break;
      }
    },
    async close() {
      await running;
      if (renderer !== 'silent' || warnings.some((w) => w.startsWith('error'))) for (const w of warnings) streams.stderr.write(w);
    },
  };
}
