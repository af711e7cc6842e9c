import { defineCheck } from '../types.ts';

const TOOLS = ['tar2sqfs', 'gensquashfs', 'rdsquashfs'] as const;

/** squashfs-tools-ng turns the ebuild tree into a squashfs image (tar2sqfs) and reads it back. */
export const squashfsCheck = defineCheck({
  id: 'squashfs',
  title: 'squashfs-tools-ng',
  async run(ctx) {
    const results = await Promise.all(TOOLS.map(async (t) => ({ tool: t, out: await ctx.exec(t, ['--version']) })));
    const missing = results.filter((r) => r.out.missing).map((r) => r.tool);
    if (missing.length) {
      return {
        status: 'fail',
        summary: `not found: ${missing.join(', ')}`,
        hint: 'Install squashfs-tools-ng: `apt-get install squashfs-tools-ng` (Debian/Ubuntu), `dnf install squashfs-tools-ng` (Fedora), `emerge sys-fs/squashfs-tools-ng` (Gentoo).',
      };
    }
    const versions = Object.fromEntries(results.map((r) => [r.tool, /(\d+\.\d+(?:\.\d+)?)/.exec(`${r.out.stdout}\n${r.out.stderr}`)?.[1] ?? 'unknown']));
    return { status: 'ok', summary: TOOLS.map((t) => `${t} ${versions[t]}`).join(', '), details: versions };
  },
});
