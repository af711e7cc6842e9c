import { defineCommand } from '../command.ts';

interface ListOptions {
  limit?: string;
}

const show = defineCommand({
  name: 'show',
  summary: 'one run: command, result, duration, and each subject with its time and log',
  configure: (cmd) => cmd.argument('<run-id>', 'a run id, a unique prefix of one, or "last"'),
  async run([id], _opts, ctx) {
    const farm = await ctx.farm();
    const [{ resolveStateDir }, { findRun, formatDuration }] = await Promise.all([import('../../run/paths.ts'), import('../../run/history.ts')]);
    const run = findRun(resolveStateDir(farm.options, farm.rootDir), String(id));
    if (ctx.global.json) return ctx.printJson({ runId: run.runId, dir: run.dir, status: run.status, journal: run.journal ?? null });
    const j = run.journal;
    ctx.print(`run ${run.runId}: ${run.status}${j?.ms !== undefined ? ` in ${formatDuration(j.ms)}` : ''}`, true);
    if (j) {
      ctx.print(`  command: binfarm ${j.argv.join(' ')}`, true);
      ctx.print(`  started: ${j.startedAt}${j.endedAt ? `, ended ${j.endedAt}` : ''} (pid ${j.pid} on ${j.host})`, true);
      if (j.error) ctx.print(`  error:   ${j.error}`, true);
      for (const s of j.subjects) {
        ctx.print(`  ${s.name.padEnd(16)} ${s.status.padEnd(8)} ${formatDuration(s.ms).padStart(10)}  ${s.error ?? s.reason ?? ''}`, true);
        const pkgs = Object.entries(s.packages ?? {}).sort((a, b) => b[1].ms - a[1].ms);
        for (const [cpv, p] of pkgs) ctx.print(`      ${cpv.padEnd(40)} ${p.binary ? 'binary ' : 'built  '} ${formatDuration(p.ms).padStart(10)}${p.status === 'failed' ? '  FAILED' : ''}`, true);
      }
    } else ctx.print('  (no run.json: a run of an older binfarm, or it died before writing one)', true);
    ctx.print(`  logs: ${run.dir}/`, true);
  },
});

/** `binfarm runs [show <id>]`: the history of runs in this state directory. */
export const command = defineCommand<ListOptions>({
  name: 'runs',
  summary: 'list past runs with their result, duration and subjects',
  configure: (cmd) => cmd.option('-n, --limit <n>', 'show at most n runs (newest first)', '20'),
  subcommands: [show],
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const [{ resolveStateDir }, { listRuns, formatDuration }] = await Promise.all([import('../../run/paths.ts'), import('../../run/history.ts')]);
    const limit = Number(opts.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1) {
      const { BinfarmError } = await import('../../errors.ts');
      throw new BinfarmError('E_USAGE', `--limit must be a positive integer, got "${opts.limit}"`);
    }
    const runs = listRuns(resolveStateDir(farm.options, farm.rootDir)).slice(0, limit);
    if (ctx.global.json) return ctx.printJson(runs.map((r) => ({ runId: r.runId, dir: r.dir, status: r.status, journal: r.journal ?? null })));
    if (!runs.length) return ctx.print('no runs yet (`binfarm run` records one per invocation)', true);
    for (const r of runs) {
      const j = r.journal;
      const count = (st: string) => j?.subjects.filter((s) => s.status === st).map((s) => s.name) ?? [];
      const built = count('built');
      const failed = count('failed');
      const what = j ? `built ${built.length ? built.join(' ') : '-'}${failed.length ? `, failed ${failed.join(' ')}` : ''}` : '';
      ctx.print(`${r.runId}  ${r.status.padEnd(11)} ${formatDuration(j?.ms).padStart(10)}  ${j ? `binfarm ${j.argv.join(' ')}`.padEnd(28) : ''}  ${what}`.trimEnd(), true);
    }
  },
});
