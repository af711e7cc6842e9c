import { defineCommand, type CommandContext } from '../command.ts';
import type { Farm } from '../../farm.ts';

/** Columns padded to their widest cell; the last one is left ragged (USE can be long). */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** `binfarm binhost ls`: the binpkgs of the local binhost, who built them, where they are published. */
export const ls = defineCommand<{ partition?: string; subject?: string }>({
  name: 'ls',
  summary: 'list the binpkgs of the local binhost: version, build id, USE, size, subjects, published generations',
  description:
    'Reads each partition\'s Packages index, the subjects\' recorded builds (which binpkgs each is made of) and the ' +
    'published generations of every publish target (which of them list each binpkg).',
  configure: (cmd) =>
    cmd
      .option('--partition <path>', 'only this partition (path relative to the binhost root)')
      .option('--subject <name>', 'only the binpkgs of this subject\'s last build'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const [{ listBinhost }, { formatSize, formatTime }] = await Promise.all([import('../../binhost/ls.ts'), import('../../binhost/html.ts')]);
    const r = await listBinhost(farm, opts);
    for (const w of r.warnings) ctx.warn(`binfarm: warning: ${w}`);
    if (ctx.global.json) return ctx.printJson(r);
    if (!r.partitions.length) ctx.print(`no binpkgs in ${r.root}${opts.subject ? ` for subject ${opts.subject}` : ''}`, true);
    for (const p of r.partitions) {
      ctx.print(`${p.partition}  (${p.packages.length} binpkg${p.packages.length === 1 ? '' : 's'})`, true);
      const rows = p.packages.map((x) => [
        x.name,
        x.version,
        x.buildId || '-',
        formatSize(x.size) || '-',
        formatTime(x.buildTime) || '-',
        x.subjects.join(',') || '-',
        Object.entries(x.generations).map(([t, g]) => (Object.keys(x.generations).length > 1 ? `${t}:${g.join(',')}` : g.join(','))).join(' ') || '-',
        x.use,
      ]);
      for (const line of table([['PACKAGE', 'VERSION', 'BUILD', 'SIZE', 'BUILT', 'SUBJECTS', 'GENERATIONS', 'USE'], ...rows])) ctx.print(`  ${line}`, true);
    }
  },
});

/** `binhost list` with no publish target: the local partitions instead of a usage error. */
export async function printLocalPartitions(farm: Farm, ctx: CommandContext): Promise<void> {
  const [{ listLocalPartitions }, { formatSize, formatTime }] = await Promise.all([import('../../binhost/ls.ts'), import('../../binhost/html.ts')]);
  const { root, partitions } = await listLocalPartitions(farm);
  if (ctx.global.json) {
    // The shape of `binhost list --json` for published targets, so one reader handles both.
    return ctx.printJson([{ target: `local:${root}`, local: true, partitions: partitions.map((p) => ({ ...p, current: undefined, generations: [] })) }]);
  }
  ctx.print(`local:${root}  (not published: binhost.publish has no targets)`, true);
  if (!partitions.length) ctx.print('  (empty: nothing built yet)', true);
  for (const p of partitions) {
    const when = p.indexTime !== undefined ? `, index of ${formatTime(p.indexTime)}` : '';
    ctx.print(`  ${p.partition}  ${p.packages} binpkg${p.packages === 1 ? '' : 's'}, ${formatSize(p.bytes)}${when}`, true);
  }
}
