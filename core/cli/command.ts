import type { Command } from 'commander';
import type { Farm } from '../farm.ts';
import type { LoadedConfig } from '../config/load.ts';

/**
 * The contract of a CLI command module (`core/cli/commands/<name>.ts`):
 *
 * ```ts
 * export const command = defineCommand<{ out: string }>({
 *   name: 'render',
 *   summary: 'write the rendered /etc/portage of a subject to a directory',
 *   configure: (cmd) => cmd.argument('<subject>').requiredOption('--out <dir>', 'output directory'),
 *   async run([subject], opts, ctx) {
 *     const { renderSubjectToDir } = await import('../../portage/render-to-dir.ts'); // heavy: lazy
 *     await renderSubjectToDir(await ctx.farm(), String(subject), opts.out, {});
 *   },
 * });
 * ```
 *
 * Keep the module itself light (types and commander wiring only): every command module is
 * imported to build `--help` (a command line naming one command imports only that one,
 * commands/index.ts); the implementation is imported inside `run`.
 */
export interface CommandDefinition<O = Record<string, unknown>> {
  /** The word on the command line (`run`, `plan`, `binhost`). */
  readonly name: string;
  /** One line for `binfarm --help`. */
  readonly summary: string;
  /** Longer text for `binfarm <name> --help`. */
  readonly description?: string;
  /** Adds arguments and options to the commander command. */
  configure?(cmd: Command): void;
  /**
   * Does the work. `args` are the positional arguments in declaration order (a variadic one
   * is a string[]). Return an exit code, or nothing for 0. Throw a BinfarmError for failures.
   */
  run?(args: CommandArgs, opts: O, ctx: CommandContext): Promise<number | void> | number | void;
  /**
   * The command installs its own SIGINT/SIGTERM handling (e.g. `run` through
   * core/engine/signals.ts). Otherwise the CLI aborts `ctx.signal` on the first Ctrl-C and
   * exits 130 on the second.
   */
  readonly handlesSignals?: boolean;
  /** Nested commands, e.g. `binhost rollback`. */
  readonly subcommands?: ReadonlyArray<CommandDefinition<any>>;
}

export type CommandArgs = ReadonlyArray<string | string[] | undefined>;

/** Global options, accepted before or after the command name. */
export interface GlobalOptions {
  /** `--config <path>`: skip discovery. */
  config?: string;
  /** `--set key=value`, repeatable, in command-line order. */
  set: string[];
  quiet: boolean;
  json: boolean;
  verbose: boolean;
  /** `--cwd <dir>`, absolute; where discovery starts and relative paths resolve. */
  cwd: string;
}

/** What a command gets besides its own arguments. */
export interface CommandContext {
  readonly global: GlobalOptions;
  /** Full command path, e.g. `binhost rollback`. Passed to function configs as `command`. */
  readonly commandName: string;
  /** Discovers, loads, overrides and validates the config (memoised). */
  loadConfig(): Promise<LoadedConfig>;
  /** The Farm built from the loaded config, plugins applied (memoised). */
  farm(): Promise<Farm>;
  /** Aborted on SIGINT/SIGTERM (for commands that do not install their own handling). */
  readonly signal: AbortSignal;
  /** Writes a line to stdout (suppressed by --quiet unless `force`). */
  print(text: string, force?: boolean): void;
  /** Writes one JSON value as one line to stdout (for --json). */
  printJson(value: unknown): void;
  /** Writes a line to stderr (warnings, notes; never suppressed). */
  warn(text: string): void;
  /** The raw streams (progress renderers need the real terminal). */
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** Identity helper for typing a command module (the unjs `define*` pattern). */
export function defineCommand<O = Record<string, unknown>>(def: CommandDefinition<O>): CommandDefinition<O> {
  return def;
}
