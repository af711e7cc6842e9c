import { defineCommand } from '../command.ts';

interface LogsOptions {
  run?: string;
  follow?: boolean;
  package?: string;
}

/** `binfarm logs <subject>`: the subject's log of its newest run (or a given one), optionally followed. */
export const command = defineCommand<LogsOptions>({
  name: 'logs',
  summary: "print a subject's build log (newest run by default); --follow keeps printing while it runs",
  description:
    'Prints <stateDir>/runs/<run-id>/<subject>.log of the newest run that built (or tried to build) the subject. ' +
    '--package prints Portage\'s own build log of one package of that subject instead (from PORTAGE_LOGDIR, kept in the run directory).',
  configure: (cmd) =>
    cmd
      .argument('<subject>', 'the subject')
      .option('--run <id>', 'this run instead of the newest (an id, a unique prefix, or "last")')
      .option('-f, --follow', 'keep printing new lines until the run ends (Ctrl-C stops)')
      .option('--package <atom>', "Portage's build log of this package (cat/pn, pn or cat/pf)"),
  async run([subject], opts, ctx) {
    const farm = await ctx.farm();
    const [{ resolveStateDir }, history, { followFile }] = await Promise.all([
      import('../../run/paths.ts'),
      import('../../run/history.ts'),
      import('../../run/follow-file.ts'),
    ]);
    const { effectiveStatus, readJournal } = await import('../../run/journal.ts');
    const { BinfarmError } = await import('../../errors.ts');
    const name = String(subject);
    farm.subject(name); // unknown subject → E_SUBJECT with the known names
    const stateDir = resolveStateDir(farm.options, farm.rootDir);
    const found = history.runOfSubject(stateDir, name, opts.run);
    let file = found.logFile;
    if (opts.package) {
      const logs = history.packageLogs(found.run.dir, name, opts.package);
      if (!logs.length) {
        throw new BinfarmError('E_USAGE', `run ${found.run.runId} has no Portage build log of "${opts.package}" for subject "${name}"`, {
          hint: `Portage keeps a log per package it builds from source (binary merges have none); \`binfarm runs show ${found.run.runId}\` lists the packages.`,
        });
      }
      file = logs[logs.length - 1]!;
    }
    // Polled while following: this run's journal only, not every run of the state directory.
    const running = () => {
      const j = readJournal(found.run.dir);
      return j !== undefined && effectiveStatus(j) === 'running';
    };
    if (!ctx.global.quiet) ctx.warn(`== ${file} (run ${found.run.runId}, ${found.run.status})`);
    await followFile(file, {
      write: (chunk) => ctx.stdout.write(chunk),
      follow: !!opts.follow,
      keepGoing: running,
      signal: ctx.signal,
    });
  },
});
