import { defineCommand } from '../command.ts';

/** `binfarm status`: each subject's last good build and whether a run would rebuild it. */
export const command = defineCommand<{ docker?: boolean }>({
  name: 'status',
  summary: "each subject's last good build (key, image, when, run, build time, slowest packages) and whether it is stale, and why",
  configure: (cmd) => cmd.option('--docker', 'also check that the images exist (connects to Docker)'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const [{ planRun }, { resolveStateDir }, { subjectStatuses, formatStatuses }] = await Promise.all([
      import('../../plan/plan.ts'),
      import('../../run/paths.ts'),
      import('../../run/subject-status.ts'),
    ]);
    const { planEngine } = await import('../plan-engine.ts');
    const plan = await planRun(farm, [...farm.subjects().keys()], { offline: !opts.docker, ...planEngine(farm, opts.docker, 'status') });
    const list = await subjectStatuses(resolveStateDir(farm.options, farm.rootDir), plan);
    if (ctx.global.json) return ctx.printJson({ subjects: list, notes: plan.notes ?? [] });
    ctx.print(formatStatuses(list), true);
    for (const n of plan.notes ?? []) ctx.print(`note: ${n}`, true);
  },
});
