import { defineCommand } from '../command.ts';

/** `binfarm lock`: write binfarm.lock from the last successful builds. */
export const command = defineCommand<{ docker?: boolean; check?: boolean }>({
  name: 'lock',
  summary: 'write binfarm.lock (next to the config) from the last successful builds: sources and resolved packages per subject',
  description:
    'Records, per subject, the stage3 and tree identities and every installed package with its version, USE and binpkg build id, ' +
    'from the state of the last successful builds. Every subject must be built and up to date. Commit the file with the config; ' +
    '`binfarm run --locked` then builds only what the lock says, and `binfarm plan` shows where the farm drifted from it. ' +
    'Images are checked with Docker unless --no-docker.',
  configure: (cmd) =>
    cmd
      .option('--no-docker', 'decide from the state directory alone (do not check that the images exist)')
      .option('--check', 'write nothing: exit 1 when the lock file is missing or differs from what would be written'),
  async run(_args, opts, ctx) {
    const farm = await ctx.farm();
    const [{ createLock }, { lockPathOf, serializeLock }, { planEngine }, { writeFileAtomic }, { readFile }] = await Promise.all([
      import('../../lock/create-lock.ts'),
      import('../../lock/format.ts'),
      import('../plan-engine.ts'),
      import('../../util/fs.ts'),
      import('node:fs/promises'),
    ]);
    const { lock, warnings } = await createLock(farm, planEngine(farm, opts.docker !== false, 'lock'));
    const path = lockPathOf(farm);
    const text = serializeLock(lock);
    for (const w of warnings) ctx.warn(`warning: ${w}`);
    const before = await readFile(path, 'utf8').catch(() => undefined);
    if (opts.check) {
      const same = before === text;
      if (ctx.global.json) ctx.printJson({ file: path, upToDate: same });
      else ctx.print(same ? `${path} is up to date` : `${path} ${before === undefined ? 'is missing' : 'differs from the last builds'}`, true);
      return same ? 0 : 1;
    }
    if (before !== text) await writeFileAtomic(path, text);
    const n = Object.values(lock.subjects).reduce((a, s) => a + Object.keys(s.packages).length, 0);
    if (ctx.global.json) ctx.printJson({ file: path, changed: before !== text, subjects: Object.keys(lock.subjects).length, packages: n });
    else ctx.print(`${before === text ? 'unchanged' : 'wrote'} ${path}: ${Object.keys(lock.subjects).length} subject(s), ${n} package(s)`);
  },
});
