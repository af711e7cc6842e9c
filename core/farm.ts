import { createHooks } from './hooks.ts';
import { createLogger } from './log/logger.ts';
import { currentLogSink } from './log/run-sink.ts';
import { normalizePlugins } from './plugin.ts';
import { applyingBuiltin, isBuiltinName } from './builtin-taps.ts';
import { BinfarmError, PluginError } from './errors.ts';
import type { BinfarmOptions } from './config/schema/index.ts';
import { builtinPlugins } from './options-apply.ts';
import type { FarmContext, FarmHooks, Logger, LogType, Plugin } from './types.ts';
import { resolveSubjects } from './subject/resolve.ts';
import { didYouMean } from './config/suggest.ts';
import type { Subject } from './subject/types.ts';

export interface FarmInit {
  options: BinfarmOptions;
  /** Directory of the config file (relative paths in the config resolve against it). */
  rootDir: string;
  /** Path of the config file, when there is one. */
  configFile?: string;
  /** The CLI command that created the farm (`run`, `plan`, ...). */
  command?: string;
  /** Skip the built-in plugins (tests of the plugin runtime). */
  builtins?: boolean;
}

/**
 * The Farm holds the frozen hooks object and the applied plugins (webpack's Compiler).
 * It does no work itself: phases are plugins on its hooks, driven by core/run/runner.ts.
 */
export class Farm implements FarmContext {
  readonly hooks: FarmHooks = createHooks();
  readonly options: BinfarmOptions;
  readonly rootDir: string;
  readonly configFile: string | undefined;
  readonly command: string;
  /** Every applied plugin, user plugins first, then built-ins. */
  readonly plugins: Plugin[] = [];
  private subjectCache: Map<string, Subject> | undefined;

  constructor(init: FarmInit) {
    this.options = init.options;
    this.rootDir = init.rootDir;
    this.configFile = init.configFile;
    this.command = init.command ?? 'run';
  }

  /** A logger whose lines go through hooks.infrastructureLog first. */
  getLogger(origin: string): Logger {
    return createLogger(origin, (o, type, args) => this.log(o, type, args));
  }

  private log(origin: string, type: LogType, args: unknown[]): void {
    if (this.hooks.infrastructureLog.call(origin, type, args) === true) return;
    // the sink of the run this line belongs to (core/log/run-sink.ts), else stderr
    (currentLogSink() ?? defaultSink)(origin, type, args);
  }

  /** Applies one plugin; an error is reported with the plugin's name. */
  apply(plugin: Plugin): void {
    try {
      // a built-in's taps are marked as such (core/builtin-taps.ts); users cannot take the prefix (normalizePlugins)
      if (isBuiltinName(plugin.name)) applyingBuiltin(() => plugin.apply(this));
      else plugin.apply(this);
    } catch (e) {
      throw e instanceof PluginError ? e : new PluginError(plugin.name, 'apply', undefined, e);
    }
    this.plugins.push(plugin);
    this.subjectCache = undefined;
  }

  /** All subjects (config + plugin contributions), validated, the base included. */
  subjects(): Map<string, Subject> {
    this.subjectCache ??= resolveSubjects(this);
    return this.subjectCache;
  }

  subject(name: string): Subject {
    const s = this.subjects().get(name);
    if (!s) {
      const known = [...this.subjects().keys()];
      throw new BinfarmError('E_SUBJECT', `unknown subject "${name}"${didYouMean(name, known)}`, { hint: `Known subjects: ${known.join(', ')}.` });
    }
    return s;
  }

  /** name@version of every plugin, for content keys. */
  pluginVersions(): Record<string, string> {
    return Object.fromEntries(this.plugins.map((p) => [p.name, p.version ?? '0']));
  }
}

function defaultSink(origin: string, type: LogType, args: unknown[]): void {
  if (type === 'debug' || type === 'info') return;
  process.stderr.write(`[${origin}] ${type}: ${args.map(String).join(' ')}\n`);
}

/** Builds a farm: user plugins, then the built-in plugins (options-apply.ts), then `afterPlugins`. */
export function createFarm(init: FarmInit): Farm {
  const farm = new Farm(init);
  for (const plugin of normalizePlugins(init.options.plugins)) farm.apply(plugin);
  if (init.builtins !== false) for (const plugin of builtinPlugins()) farm.apply(plugin);
  farm.hooks.afterPlugins.call(farm);
  return farm;
}
