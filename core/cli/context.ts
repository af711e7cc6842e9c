import type { Farm } from '../farm.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { CommandContext, GlobalOptions } from './command.ts';

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/**
 * The context handed to a command: lazy, memoised config loading and farm creation, and
 * output helpers that respect --quiet and --json. Heavy modules load on first use only.
 */
export function createCommandContext(global: GlobalOptions, commandName: string, streams: Streams, signal: AbortSignal): CommandContext {
  let loaded: Promise<LoadedConfig> | undefined;
  let farm: Promise<Farm> | undefined;
  const ctx: CommandContext = {
    global,
    commandName,
    signal,
    stdout: streams.stdout,
    stderr: streams.stderr,
    loadConfig() {
      loaded ??= (async () => {
        const { loadConfig } = await import('../config/load.ts');
        const config = await loadConfig({ cwd: global.cwd, configFile: global.config, command: commandName, sets: global.set });
        for (const w of config.warnings) ctx.warn(`warning: ${w}`);
        return config;
      })();
      return loaded;
    },
    farm() {
      farm ??= (async () => {
        const config = await ctx.loadConfig();
        const { createFarm } = await import('../farm.ts');
        const created = createFarm({ options: config.options, rootDir: config.rootDir, configFile: config.configFile, command: commandName });
        const { validateFarm } = await import('../config/validate-farm.ts');
        for (const w of await validateFarm(created)) ctx.warn(`warning: ${w}`);
        return created;
      })();
      return farm;
    },
    print(text, force = false) {
      if (global.quiet && !force) return;
      streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    printJson(value) {
      streams.stdout.write(`${JSON.stringify(value)}\n`);
    },
    warn(text) {
      streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
  return ctx;
}
