import { BinfarmError } from '../errors.ts';

/**
 * Ctrl-C during a run: the first SIGINT/SIGTERM aborts the run's signal, so nothing new
 * starts, running phases stop, and the runner's cleanup (shutdown hook, engine cleanup:
 * containers, volumes, mounts, loop devices) runs before the summary. A second one exits
 * at once (130 for SIGINT, 143 for SIGTERM), leaving the leftovers to the next run's sweep.
 */
export function installRunSignals(stderr: { write(s: string): unknown }, exit: (code: number) => void = (c) => process.exit(c)) {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    const code = sig === 'SIGTERM' ? 143 : 130;
    if (controller.signal.aborted) {
      stderr.write(`\nbinfarm: second ${sig}, exiting without cleanup\n`);
      exit(code);
      return;
    }
    stderr.write(`\nbinfarm: ${sig} received, stopping the run and cleaning up (again to force)\n`);
    controller.abort(new BinfarmError('E_INTERRUPTED', `the run was interrupted by ${sig}`, { hint: 'Run `binfarm run` again; finished subjects are not rebuilt.' }));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
