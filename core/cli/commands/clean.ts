import { defineCommand } from '../command.ts';

interface CleanOptions {
  dryRun?: boolean;
  docker?: boolean;
}

/** `binfarm clean [--dry-run]`: old subject images, run directories and attempt records, by the config's retention. */
export const command = defineCommand<CleanOptions>({
  name: 'clean',
  summary: 'remove old subject images, runs and leftovers by the retention policy (clean.* in the config)',
  description:
    'Keeps each subject\'s current image, published images and the newest clean.keepImages older ones; removes older images of ' +
    "this farm's subjects, images that never passed their smoke tests, failed builds and run directories older than clean.runDays " +
    '(the newest clean.keepRuns runs always stay), and attempt records of subjects built since. Never forces: an image a container ' +
    'uses stays. --dry-run prints what would go.',
  configure: (cmd) =>
    cmd.option('-n, --dry-run', 'print what would be removed, remove nothing').option('--no-docker', 'leave images alone (runs and files only)'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const [{ resolveStateDir }, { planClean }, { applyClean, formatBytes }] = await Promise.all([
      import('../../run/paths.ts'),
      import('../../clean/plan-clean.ts'),
      import('../../clean/apply-clean.ts'),
    ]);
    const stateDir = resolveStateDir(farm.options, farm.rootDir);
    let engine: import('../../engine/types.ts').Engine | undefined;
    if (opts.docker !== false) {
      const { createEngine } = await import('../../engine/docker-engine.ts');
      engine = await createEngine(farm.options, `clean-${process.pid}`, farm.getLogger('binfarm:clean'), { rootDir: farm.rootDir });
    }
    try {
      const plan = await planClean({ options: farm.options, stateDir, subjects: [...farm.subjects().keys()], ...(engine ? { engine } : {}) });
      const total = plan.remove.reduce((n, i) => n + i.bytes, 0);
      if (ctx.global.json && opts.dryRun) return ctx.printJson({ dryRun: true, remove: plan.remove, kept: plan.kept, bytes: total });
      if (!plan.remove.length) {
        if (!ctx.global.json) ctx.print(`nothing to clean (${plan.kept.length} item${plan.kept.length === 1 ? '' : 's'} kept by the retention policy)`, true);
        else ctx.printJson({ dryRun: false, removed: [], failed: [], bytes: 0 });
        return;
      }
      if (opts.dryRun) {
        for (const i of plan.remove) ctx.print(`would remove ${i.kind} ${i.what} (${formatBytes(i.bytes)}): ${i.why}`, true);
        ctx.print(`would free ${formatBytes(total)}; ${plan.kept.length} kept`, true);
        return;
      }
      const outcome = await applyClean(plan, engine, (item, ok, why) => {
        if (!ctx.global.json) ctx.print(ok ? `removed ${item.kind} ${item.what} (${formatBytes(item.bytes)}): ${item.why}` : `kept ${item.kind} ${item.what}: ${why}`, true);
      });
      if (ctx.global.json) return ctx.printJson({ dryRun: false, removed: outcome.removed, failed: outcome.failed, bytes: outcome.bytes });
      ctx.print(`freed ${formatBytes(outcome.bytes)}${outcome.failed.length ? `; ${outcome.failed.length} could not be removed (in use?)` : ''}`, true);
    } finally {
      await engine?.cleanup();
    }
  },
});
