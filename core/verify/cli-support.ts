/**
 * What `binfarm verify` and `binfarm sbom` share: the config when there is one (both also work on
 * a pushed image without a farm, given the public key) and an engine for reading images.
 */
import type { CommandContext } from '../cli/command.ts';
import type { LoadedConfig } from '../config/load.ts';
import { createEngine } from '../engine/docker-engine.ts';
import type { Engine } from '../engine/types.ts';
import { isBinfarmError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { resolveStateDir } from '../run/paths.ts';

export interface OptionalFarm {
  config: LoadedConfig | undefined;
  stateDir: string | undefined;
}

/** The config if one is found; none is not an error here (any other config problem is). */
export async function optionalConfig(ctx: CommandContext): Promise<OptionalFarm> {
  try {
    const config = await ctx.loadConfig();
    return { config, stateDir: resolveStateDir(config.options, config.rootDir) };
  } catch (e) {
    if (isBinfarmError(e) && e.code === 'E_CONFIG_NOT_FOUND') return { config: undefined, stateDir: undefined };
    throw e;
  }
}

export async function engineFor(ctx: CommandContext, farm: OptionalFarm, what: string): Promise<Engine> {
  const logger = createLogger(`binfarm:${what}`, (_origin, type, args) => {
    if (type === 'warn' || type === 'error') ctx.warn(args.map(String).join(' '));
  });
  return createEngine(farm.config?.options ?? { docker: {} }, `${what}-${process.pid}`, logger, farm.config ? { rootDir: farm.config.rootDir } : {});
}
