import { defineCommand } from '../command.ts';

/** `binfarm config [key]`: the effective configuration and where each value came from. */
export const command = defineCommand<{ sources: boolean; defaults?: boolean }>({
  name: 'config',
  summary: 'print the effective configuration with the source of each value',
  description:
    'Prints the configuration after defaults, the config file, BINFARM_* environment variables and --set ' +
    'overrides, each value annotated with its source (default, file, env BINFARM_X, --set x). Secrets ' +
    '(keys matching password, token, secret, auth) are masked. With a key, prints only that part.',
  configure: (cmd) =>
    cmd
      .argument('[key]', 'only this key (dotted path), e.g. portage or run.jobs')
      .option('--no-sources', 'omit the source comments')
      .option('--defaults', 'also list optional fields left unset inside package sets (hidden by default)'),
  async run([key], opts, ctx) {
    const config = await ctx.loadConfig();
    const { effectiveLeaves, formatEffective, isNoise, maskedOptions } = await import('../../config/effective.ts');
    const { resolveCacheDir, resolveStateDir } = await import('../../run/paths.ts');
    const { ConfigSchema } = await import('../../config/schema/index.ts');
    const { parseKeyPath, isPathPrefix } = await import('../../config/overrides.ts');
    const prefix = typeof key === 'string' ? parseKeyPath(key) : [];
    // Paths whose default is computed (cacheDir from XDG_CACHE_HOME or ~/.cache) show the real value.
    const resolved = { stateDir: resolveStateDir(config.options, config.rootDir), cacheDir: resolveCacheDir(config.options, config.rootDir) };
    const leaves = effectiveLeaves(config.options, config.fileConfig, config.overrides, ConfigSchema)
      .filter((l) => isPathPrefix(prefix, l.path) && (opts.defaults || !isNoise(l)))
      .map((l) => (l.path.length === 1 && l.path[0] === 'cacheDir' && l.value === undefined ? { ...l, value: resolved.cacheDir, source: `default (${process.env.XDG_CACHE_HOME ? '$XDG_CACHE_HOME' : '~/.cache'}/binfarm)` } : l));
    if (prefix.length && !leaves.length) {
      const { BinfarmError } = await import('../../errors.ts');
      throw new BinfarmError('E_USAGE', `the configuration has no key "${key}"`, { hint: 'Run `binfarm config` to see every key.' });
    }
    if (ctx.global.json) {
      ctx.printJson({
        configFile: config.configFile,
        rootDir: config.rootDir,
        options: maskedOptions(config.options),
        resolved,
        sources: Object.fromEntries(leaves.map((l) => [l.path.join('.'), l.source])),
      });
      return;
    }
    ctx.print(`# ${config.configFile}`, true);
    const text = formatEffective(leaves);
    ctx.print(opts.sources ? text : text.replace(/ +# .*$/gm, ''), true);
  },
});
