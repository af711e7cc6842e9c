import { defineCommand } from '../command.ts';

/** `binfarm ls`: the subjects of the farm, as a tree, with who contributed each. */
export const command = defineCommand({
  name: 'ls',
  summary: 'list the subjects: parent, depth, package sets and the plugin that contributed each',
  async run(_args, _opts, ctx) {
    const farm = await ctx.farm();
    const { subjectTree } = await import('../../plan/subject-tree.ts');
    const subjects = farm.subjects();
    const rows = subjectTree(subjects);
    if (ctx.global.json) {
      return ctx.printJson(
        rows.map(({ subject: s, depth }) => ({
          name: s.name,
          parent: s.parent,
          depth,
          contributedBy: s.contributedBy ?? 'config',
          sets: Object.keys(s.sets),
          smoke: s.smoke.length,
          ...(s.description ? { description: s.description } : {}),
        })),
      );
    }
    const width = Math.max(...rows.map((r) => r.depth * 2 + r.subject.name.length), 4);
    for (const { subject: s, depth } of rows) {
      const sets = Object.keys(s.sets);
      const atoms = Object.values(s.sets).reduce((n, atoms) => n + Object.keys(atoms).length, 0);
      const what = sets.length ? `${sets.length} set${sets.length === 1 ? '' : 's'}, ${atoms} atom${atoms === 1 ? '' : 's'}` : 'no sets';
      ctx.print(`${`${'  '.repeat(depth)}${s.name}`.padEnd(width)}  ${what.padEnd(20)}  from ${s.contributedBy ?? 'config'}${s.description ? `  — ${s.description}` : ''}`, true);
    }
  },
});
