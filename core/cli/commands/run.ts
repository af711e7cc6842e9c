import { Option } from 'commander';
import { defineCommand } from '../command.ts';
import { nowMs } from '../../util/clock.ts';

interface RunOptions {
  failFast?: boolean;
  publish?: boolean;
  keepFailed?: boolean;
  pull?: boolean;
  locked?: boolean;
  executor?: string;
  renderer?: 'default' | 'simple' | 'verbose' | 'silent';
}

/** `binfarm run [subject...]`: build what is stale, parents first. */
export const command = defineCommand<RunOptions>({
  name: 'run',
  summary: 'build the stale subjects (and their missing ancestors) through the six phases',
  description:
    'Plans the subject DAG, then runs fetch stage3 → mount portage tree → apply Portage config → emerge → ' +
    'package → publish for every stale subject, parents before children, up to run.concurrency at once. ' +
    'Without subjects, builds `targets` from the config (or every subject). Logs go to <stateDir>/runs/<run-id>/.',
  handlesSignals: true,
  configure: (cmd) =>
    cmd
      .argument('[subject...]', 'subjects to build (default: the config\'s targets, else all)')
      .option('--fail-fast', 'stop starting subjects after the first failure')
      .option('--publish', 'publish after building (same as --set run.publish=true)')
      .option('--pull', 're-pull the stage3 and tree images even when present (floating tags) and say what moved')
      .option('--locked', 'build only what binfarm.lock holds: fail on other stage3/tree identities or on packages, versions or USE Portage would resolve differently')
      .option('--keep-failed', 'keep the build container of a failed subject (same as --set run.keepFailed=true)')
      .option('--executor <name>', 'where emerge runs: local, swarm or remote (same as --set run.executor=<name>; docs/scale-out.md)')
      .addOption(new Option('--renderer <name>', 'progress display (default: chosen from the terminal)').choices(['default', 'simple', 'verbose', 'silent'])),
  async run([subjects], opts, ctx) {
    if (opts.publish) ctx.global.set.push('run.publish=true');
    if (opts.keepFailed) ctx.global.set.push('run.keepFailed=true');
    if (opts.executor) ctx.global.set.push(`run.executor=${opts.executor}`);
    const farm = await ctx.farm();
    const [{ runFarm }, { createReporter }, { formatRunSummary }, { exitCodeFor, EXIT }, { runInterruptible }] = await Promise.all([
      import('../../run/runner.ts'),
      import('../../run/progress/create-reporter.ts'),
      import('../../run/summary.ts'),
      import('../../errors.ts'),
      import('../interruptible.ts'),
    ]);
    // Ctrl-C aborts the run; the runner then stops, cleans up (shutdown hook, engine) and we print the summary.
    return runInterruptible(ctx, opts.renderer, async ({ renderer, signal }) => {
      const t0 = nowMs();
      const result = await runFarm(farm, {
        targets: Array.isArray(subjects) ? subjects : [],
        signal,
        reporter: createReporter(renderer, ctx),
        failFast: !!opts.failFast,
        pull: !!opts.pull,
        locked: !!opts.locked,
      });
      // An interrupt outside a subject (e.g. while publishing) still gets the summary, which names it.
      if (result.error !== undefined && !result.failures.length && result.status !== 'interrupted') throw result.error;
      if (renderer !== 'json') {
        const text = formatRunSummary(result, nowMs() - t0);
        if (result.status === 'done') ctx.print(text);
        else ctx.warn(text);
      }
      return result.status === 'done' ? EXIT.ok : result.status === 'interrupted' ? EXIT.interrupted : exitCodeFor(result.error);
    });
  },
});
