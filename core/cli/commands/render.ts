import { defineCommand } from '../command.ts';

/** `binfarm render <subject> --out DIR [--diff]`: the full /etc/portage tree of a subject, on disk. */
export const command = defineCommand<{ out: string; diff?: boolean }>({
  name: 'render',
  summary: "write a subject's rendered /etc/portage and root overlays to a directory",
  description:
    'Writes what the applyPatches phase would put into an empty image: etc/portage/ (make.conf, package.*, sets, ' +
    'env, repos.conf, binrepos.conf, patches, make.profile link), the custom profile repository under ' +
    'var/db/repos/ when enabled, and the subject\'s root overlays. The directory is replaced atomically; an ' +
    'existing non-empty directory is only replaced when it holds a previous render. --diff prints a unified ' +
    'diff against that previous render.',
  configure: (cmd) =>
    cmd
      .argument('<subject>', 'the subject to render (see `binfarm plan`)')
      .requiredOption('--out <dir>', 'output directory')
      .option('--diff', 'show what changed since the last render into --out'),
  async run([subject], opts, ctx) {
    const { resolve } = await import('node:path');
    const farm = await ctx.farm();
    const { renderSubjectToDir } = await import('../../portage/render-to-dir.ts');
    const r = await renderSubjectToDir(farm, String(subject), resolve(ctx.global.cwd, opts.out), { diff: Boolean(opts.diff) });
    if (ctx.global.json) {
      ctx.printJson({ subject, outDir: r.outDir, paths: r.paths, ...(r.diff !== undefined ? { diff: r.diff, hadPrevious: r.hadPrevious } : {}) });
      return;
    }
    ctx.print(`rendered subject "${subject}": ${r.paths.length} files into ${r.outDir}`);
    if (r.diff === undefined) return;
    if (!r.hadPrevious) ctx.print('(no previous render in that directory to compare with)', true);
    else ctx.print(r.diff === '' ? 'no changes since the last render' : r.diff.trimEnd(), true);
  },
});
