import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { BinfarmOptions } from './schema/index.ts';
import type { ConfigEnv } from './define.ts';
import { SEARCH_PLACES, loadConfigFile, searchConfig, searchedDirs, siblingConfigs } from './discover.ts';
import { displayPath, translateLoadError } from './load-errors.ts';
import { optionsCacheSlot, readCachedOptions, writeCachedOptions } from './options-cache.ts';
import { applyOverrides, hasEnvOverrides, parseEnvOverrides, parseSetFlag, type Override } from './overrides.ts';
import { markValidated } from './validated.ts';

export interface LoadConfigOptions {
  /** Where discovery starts and relative paths resolve. */
  cwd: string;
  /** `--config PATH` (or BINFARM_CONFIG): skip discovery. */
  configFile?: string | undefined;
  /** The CLI command (`run`, `plan`, ...), passed to function configs. */
  command: string;
  /** Environment for BINFARM_* overrides and function configs; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** `--set key=value` flags in command-line order. */
  sets?: readonly string[];
}

export interface LoadedConfig {
  /** Validated options, defaults and overrides applied. */
  options: BinfarmOptions;
  /** Absolute path of the config file. */
  configFile: string;
  /** The config file's directory: relative paths in the config resolve against it. */
  rootDir: string;
  /** What the file produced (after calling a function export), before overrides. */
  fileConfig: Record<string, unknown>;
  /** Environment then command-line overrides, in the order applied. */
  overrides: Override[];
  /** Non-fatal findings (e.g. two config files in one directory). */
  warnings: string[];
}

/**
 * Finds, loads, overrides and validates the config. Nothing is written; every failure is a
 * BinfarmError with a code that maps to exit code 2 (docs/cli.md#exit-codes).
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.cwd);
  const explicit = opts.configFile ?? env.BINFARM_CONFIG;
  const warnings: string[] = [];

  let found: { filepath: string; config: unknown; isEmpty?: boolean } | null;
  let file: string;
  if (explicit) {
    file = resolve(cwd, explicit);
    if (!existsSync(file) || !statSync(file).isFile()) {
      const how = opts.configFile ? '--config' : 'BINFARM_CONFIG';
      throw new BinfarmError('E_CONFIG_NOT_FOUND', `no config file at ${file} (given by ${how})`, {
        hint: `Check the path, or run \`binfarm init\` to create a config.`,
      });
    }
    found = await loadConfigFile(file).catch((e: unknown) => {
      throw translateLoadError(e, file, dirname(file));
    });
  } else {
    found = await searchConfig(cwd).catch((e: unknown) => {
      const f = (e as { filepath?: string }).filepath ?? cwd;
      throw translateLoadError(e, f, dirname(f));
    });
    if (!found) throw notFound(cwd);
    file = found.filepath;
    const others = siblingConfigs(file);
    if (others.length) warnings.push(`${rel(file)} is used; also found ${others.map(rel).join(', ')} (ignored)`);
  }
  const rootDir = dirname(file);
  if (!found || found.isEmpty || found.config === undefined || found.config === null) {
    throw new BinfarmError('E_CONFIG_INVALID', `${rel(file)} is empty or exports nothing`, {
      hint: 'Export a config: `export default defineConfig({ ... })` (import { defineConfig } from "binfarm").',
    });
  }

  const fileConfig = await resolveExport(found.config, { command: opts.command, env }, file);
  // Without overrides, a JSON or YAML config validated before by this code needs neither zod nor the schema (options-cache.ts).
  const slot = hasEnvOverrides(env) || opts.sets?.length ? undefined : optionsCacheSlot(file, rootDir, fileConfig);
  const cached = slot && readCachedOptions(slot);
  if (cached) return { options: markValidated(cached), configFile: file, rootDir, fileConfig, overrides: [], warnings };

  const [{ ConfigSchema }, { validateConfig }] = await Promise.all([import('./schema/index.ts'), import('./validate.ts')]);
  const overrides = [...parseEnvOverrides(env, ConfigSchema), ...(opts.sets ?? []).map((s) => parseSetFlag(s, ConfigSchema))];
  const merged = applyOverrides(fileConfig, overrides);
  const options = markValidated(validateConfig(merged, { file: rel(file), overrides }));
  if (slot) await writeCachedOptions(slot, options);
  return { options, configFile: file, rootDir, fileConfig, overrides, warnings };
}

/** An object export is used as is; a function export is called with { command, env }. */
async function resolveExport(exported: unknown, configEnv: ConfigEnv, file: string): Promise<Record<string, unknown>> {
  let value = exported;
  if (typeof value === 'function') {
    try {
      value = await (value as (e: ConfigEnv) => unknown)(configEnv);
    } catch (e) {
      throw translateLoadError(e, file, dirname(file));
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    throw new BinfarmError('E_CONFIG_INVALID', `${rel(file)} must export a config object (or a function returning one), but produced ${what}`, {
      hint: 'Write `export default defineConfig({ ... })`.',
    });
  }
  return value as Record<string, unknown>;
}

function notFound(cwd: string): BinfarmError {
  const dirs = searchedDirs(cwd);
  const list = dirs.map((d) => `  ${d}`).join('\n');
  return new BinfarmError('E_CONFIG_NOT_FOUND', `no binfarm config found. Searched these directories (up to the project root):\n${list}`, {
    hint: `Run \`binfarm init\` to create binfarm.config.ts here, or pass --config <path>. Recognised names: ${SEARCH_PLACES.slice(0, 6).join(', ')}, .binfarmrc[.json|.yaml|.ts|...], package.json#binfarm.`,
    details: { searched: dirs },
  });
}

function rel(file: string): string {
  return displayPath(file);
}
