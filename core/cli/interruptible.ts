/**
 * What the long commands (`run`, `assemble`) share: the progress display chosen from the flags
 * and the terminal, and Ctrl-C/SIGTERM turned into an abort of the work. The signal handler waits
 * until the work has settled (its cleanup: containers, mounts, the lock), then exits 130/143; a
 * second signal exits at once (core/engine/signals.ts). An error after an abort is printed here,
 * before the handler ends the process; any other error goes to the CLI's error report.
 */
import type { RendererName } from '../run/progress/select-renderer.ts';
import type { CommandContext } from './command.ts';
import { formatError } from './report-error.ts';

export interface InterruptibleWork {
  renderer: RendererName;
  signal: AbortSignal;
}

export async function runInterruptible(
  ctx: CommandContext,
  explicitRenderer: Exclude<RendererName, 'json'> | undefined,
  work: (w: InterruptibleWork) => Promise<number>,
): Promise<number> {
  const [{ selectRenderer }, { installSignalHandlers }, { exitCodeFor }] = await Promise.all([
    import('../run/progress/select-renderer.ts'),
    import('../engine/signals.ts'),
    import('../errors.ts'),
  ]);
  const renderer = selectRenderer({
    json: ctx.global.json,
    quiet: ctx.global.quiet,
    verbose: ctx.global.verbose,
    explicit: explicitRenderer,
    isTTY: !!ctx.stdout.isTTY,
    env: process.env,
  });
  const controller = new AbortController();
  let finished!: () => void;
  const settled = new Promise<void>((r) => (finished = r));
  const dispose = installSignalHandlers({ controller, cleanup: () => settled });
  try {
    return await work({ renderer, signal: controller.signal });
  } catch (e) {
    if (!controller.signal.aborted) throw e;
    ctx.warn(formatError(e, ctx.global.verbose));
    return exitCodeFor(e);
  } finally {
    finished();
    dispose();
  }
}
