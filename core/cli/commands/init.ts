import { defineCommand } from '../command.ts';

interface InitCommandOptions {
  plugin?: string;
  name?: string;
}

/** `binfarm init [dir]`: scaffold a farm (and a group plugin package). */
export const command = defineCommand<InitCommandOptions>({
  name: 'init',
  summary: 'create a new farm: binfarm.config.ts, package.json (and a group plugin with --plugin)',
  description:
    'Writes binfarm.config.ts, package.json and .gitignore into <dir> (default: the current directory). ' +
    'With --plugin <name>, also a group plugin package plugins/<name>/ (package.json, index.ts, a test) ' +
    'wired into the config. Existing files are never overwritten: init refuses and lists them.',
  configure: (cmd) =>
    cmd
      .argument('[dir]', 'directory of the new farm (default: current directory)')
      .option('--plugin <name>', 'also scaffold a group plugin package plugins/<name>/')
      .option('--name <name>', 'farm name (default: the directory name)'),
  async run([dir], opts, ctx) {
    const [{ initFarm, nextSteps }, { resolve }, { VERSION }] = await Promise.all([
      import('../../init/scaffold.ts'),
      import('node:path'),
      import('../main.ts'),
    ]);
    const result = initFarm({
      dir: resolve(ctx.global.cwd, typeof dir === 'string' ? dir : '.'),
      version: VERSION,
      ...(opts.plugin ? { plugin: opts.plugin } : {}),
      ...(opts.name ? { name: opts.name } : {}),
    });
    if (ctx.global.json) ctx.printJson(result);
    else ctx.print(nextSteps(result));
  },
});
