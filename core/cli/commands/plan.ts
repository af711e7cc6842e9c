import { defineCommand } from '../command.ts';

interface PlanOptions {
  explain?: boolean;
  all?: boolean;
  docker?: boolean;
}

/** `binfarm plan [subject...]`: what a run would do, without building anything. */
export const command = defineCommand<PlanOptions>({
  name: 'plan',
  summary: 'show the subject DAG and what a run would build or skip, without building',
  description:
    'Resolves the subjects (config and plugins), orders them parents first and computes each content key. ' +
    'A subject is `skip` when an image with its key exists and its binary packages are present. By default ' +
    'the decision comes from the state directory alone (no Docker); --docker also checks the images. ' +
    '--explain lists, per subject to build, which inputs changed since its last build. With a binfarm.lock beside the ' +
    'config, it also shows the lock drift: sources that resolve to other identities, packages that differ from the lock.',
  configure: (cmd) =>
    cmd
      .argument('[subject...]', "subjects to plan (default: the config's targets, else all)")
      .option('--explain', 'list the changed inputs of every subject to build')
      .option('--all', "plan every subject of the farm, not only the targets and their ancestors")
      .option('--docker', 'also check that the images exist (connects to Docker)'),
  async run([subjects], opts, ctx) {
    const farm = await ctx.farm();
    const [{ planRun }, { formatPlan, planToJson }] = await Promise.all([import('../../plan/plan.ts'), import('../../plan/print.ts')]);
    const named = Array.isArray(subjects) ? subjects : [];
    if (opts.all && named.length) {
      const { BinfarmError } = await import('../../errors.ts');
      throw new BinfarmError('E_USAGE', '--all plans every subject; name no subjects with it');
    }
    const targets = opts.all ? [...farm.subjects().keys()] : named;
    const { planEngine } = await import('../plan-engine.ts');
    const engine = planEngine(farm, opts.docker, 'plan');
    // Resolved here (as planRun would) so the lock drift compares the same identities the plan used.
    const { planSourcesAndDrift } = await import('../../lock/plan-drift.ts');
    const { sources, drift } = await planSourcesAndDrift(farm, engine.engine);
    const plan = await planRun(farm, targets, { explain: !!opts.explain, offline: !opts.docker, ...engine, sources });
    if (ctx.global.json) ctx.printJson({ ...(planToJson(plan, !!opts.explain) as object), ...(drift ? { lock: drift } : {}) });
    else ctx.print(`${formatPlan(plan, { explain: !!opts.explain }).trimEnd()}${drift ? `\n\n${(await import('../../lock/drift.ts')).formatDrift(drift)}` : ''}`, true);
  },
});
