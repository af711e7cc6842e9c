import { Option } from 'commander';
import { defineCommand } from '../command.ts';

interface RunOptions {
  failFast?: boolean;
  publish?: boolean;
  keepFailed?: boolean;
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
      .option('--keep-failed', 'keep the build container of a failed subject (same as --set run.keepFailed=true)')
      .addOption(new Option('--renderer <name>', 'progress display (default: chosen from the terminal)').choices(['default', 'simple', 'verbose', 'silent'])),
  async run([subjects], opts, ctx) {
    if (opts.publish) ctx.global.set.push('run.publish=true');
    if (opts.keepFailed) ctx.global.set.push('run.keepFailed=true');
    const farm = await ctx.farm();
    const [{ runFarm }, { selectRenderer }, { createReporter }, { formatRunSummary }, { exitCodeFor, EXIT }, { installRunSignals }] = await Promise.all([
      import('../../run/runner.ts'),
      import('../../run/progress/select-renderer.ts'),
      import('../../run/progress/create-reporter.ts'),
      import('../../run/summary.ts'),
      import('../../errors.ts'),
      import('../../run/signals.ts'),
    ]);
    const renderer = selectRenderer({
      json: ctx.global.json,
      quiet: ctx.global.quiet,
      verbose: ctx.global.verbose,
      explicit: opts.renderer,
      isTTY: !!ctx.stdout.isTTY,
      env: process.env,
    });
    const reporter = createReporter(renderer, ctx);
    const signals = installRunSignals(ctx.stderr);
    const t0 = performance.now();
    try {
      const result = await runFarm(farm, {
        targets: Array.isArray(subjects) ? subjects : [],
        signal: signals.signal,
        reporter,
        failFast: !!opts.failFast,
      });
      if (result.error !== undefined && !result.failures.length) throw result.error;
      if (renderer !== 'json') {
        const text = formatRunSummary(result, performance.now() - t0);
        if (result.status === 'done') ctx.print(text);
        else ctx.warn(text);
      }
      return result.status === 'done' ? EXIT.ok : exitCodeFor(result.error);
    } finally {
      signals.dispose();
    }
  },
});
