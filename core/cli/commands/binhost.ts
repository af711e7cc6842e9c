import { defineCommand } from '../command.ts';

interface TargetOption {
  target?: string;
}

const list = defineCommand<TargetOption>({
  name: 'list',
  summary: 'list the published generations of every partition, per publish target',
  configure: (cmd) => cmd.option('--target <name>', 'only this publish target (its path or name)'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const { listGenerations } = await import('../../publish/binhost-admin.ts');
    const targets = await listGenerations(farm, opts);
    if (ctx.global.json) return ctx.printJson(targets);
    for (const t of targets) {
      ctx.print(`${t.target}`, true);
      if (!t.partitions.length) ctx.print('  (nothing published)', true);
      for (const p of t.partitions) {
        const gens = p.generations.map((g) => (g === p.current ? `[${g}]` : String(g))).join(' ');
        ctx.print(`  ${p.partition}  generations: ${gens || 'none'}${p.current === undefined ? '  (no current)' : ''}`, true);
      }
    }
  },
});

const rollback = defineCommand<TargetOption & { partition?: string }>({
  name: 'rollback',
  summary: 'switch a partition\'s "current" back one generation on every publish target',
  description:
    'Points <target>/<partition>/current at the newest complete generation older than the current one. ' +
    'The switch is atomic (a new symlink renamed over the old one); clients see the older index at their next sync.',
  configure: (cmd) =>
    cmd
      .option(
        '--partition <path>',
        'partition path relative to the target, e.g. amd64/default/linux/amd64/23.0/opt-1a2b3c4d (needed when a target holds several)',
      )
      .option('--target <name>', 'only this publish target (its path or name)'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const { rollback: doRollback } = await import('../../publish/binhost-admin.ts');
    const done = await doRollback(farm, opts);
    if (ctx.global.json) return ctx.printJson(done);
    for (const r of done) ctx.print(`${r.target}/${r.partition}: current ${r.from} → ${r.to}`);
  },
});

/** `binfarm binhost list|rollback`: the published binhost generations. */
export const command = defineCommand({
  name: 'binhost',
  summary: 'inspect and roll back the published binary-package host',
  subcommands: [list, rollback],
});
