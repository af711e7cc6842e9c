/**
 * SIGINT/SIGTERM for a run: the first signal aborts the run's AbortController (phases stop
 * streaming, containers get killed), runs the cleanup once and exits 130 (SIGINT) or 143
 * (SIGTERM). A second signal while cleaning up exits at once; what is left is removed by the
 * next run's orphan sweep (sweepOrphans).
 */
import { BinfarmError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

export interface SignalHandlerOptions {
  controller: AbortController;
  /** Releases the run's resources (usually `engine.cleanup()` plus the runner's own). */
  cleanup: () => Promise<void>;
  logger?: Logger;
  /** Defaults to `process.exit`. */
  exit?: (code: number) => void;
  /** Stop waiting for the cleanup after this long (default 60 s). */
  timeoutMs?: number;
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

/** Installs the handlers; returns a function that removes them (call it when the run ends). */
export function installSignalHandlers(opts: SignalHandlerOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const say = (msg: string) => (opts.logger ? opts.logger.warn(msg) : process.stderr.write(`${msg}\n`));
  let first: HandledSignal | undefined;

  const handler = (signal: HandledSignal) => {
    if (first) {
      say(`${signal} again: exiting without waiting for cleanup; the next run removes what is left.`);
      exit(EXIT_CODES[first]);
      return;
    }
    first = signal;
    say(`${signal} received: stopping the run and cleaning up (press Ctrl-C again to exit at once).`);
    opts.controller.abort(new BinfarmError('E_INTERRUPTED', `interrupted by ${signal}`));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        say('cleanup is taking too long; exiting. The next run removes what is left.');
        resolve();
      }, opts.timeoutMs ?? 60_000);
    });
    Promise.race([opts.cleanup(), timeout])
      .catch((e: unknown) => say(`cleanup failed: ${(e as Error).message}`))
      .finally(() => {
        clearTimeout(timer);
        exit(EXIT_CODES[signal]);
      });
  };

  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
