import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { BinfarmError, EXIT, exitCodeFor } from '../errors.ts';
import type { CommandDefinition, GlobalOptions } from './command.ts';
import { createCommandContext, type Streams } from './context.ts';
import { errorJson, formatError } from './report-error.ts';
import { loadCommands } from './commands/index.ts';
import { commandWord } from './command-word.ts';
import { binfarmVersion } from '../plan/binfarm-version.ts';

/** Runs the CLI; resolves to the process exit code (never calls process.exit itself). */
export async function main(argv: readonly string[] = process.argv, streams: Streams = process): Promise<number> {
  const outcome: { code: number } = { code: EXIT.ok };
  // Only the named command's module is loaded (start-up time, docs/internals/startup.md).
  const program = buildProgram(streams, outcome, await loadCommands(commandWord(argv)));
  try {
    if (argv.length <= 2) {
      streams.stdout.write(program.helpInformation());
      return EXIT.usage;
    }
    await program.parseAsync([...argv]);
    return outcome.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      // `binfarm help` is a request (0); help shown for a missing subcommand is an error (64).
      if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      // commander already printed "error: ..." (with its own "Did you mean" for commands).
      return EXIT.usage;
    }
    const global = readGlobals(program);
    if (global.json) streams.stdout.write(`${JSON.stringify(errorJson(e))}\n`);
    streams.stderr.write(`${formatError(e, global.verbose)}\n`);
    return exitCodeFor(e);
  }
}

export function buildProgram(streams: Streams, outcome: { code: number }, commands: ReadonlyArray<CommandDefinition<any>>): Command {
  const program = new Command('binfarm')
    .description('Build and publish a Gentoo-based micro-distribution on Docker: a factory image, binary packages built once, images assembled from them.')
    .version(binfarmVersion(), '-V, --version', 'print the binfarm version')
    .option('-c, --config <path>', 'use this config file (skips discovery)')
    .addOption(new Option('--set <key=value>', 'override a config value (repeatable; see docs/config.md)').argParser(collect))
    .option('-q, --quiet', 'print nothing but errors and requested data')
    .option('--json', 'machine-readable output: one JSON value per line')
    .option('-C, --cwd <dir>', 'run as if started in <dir>')
    .option('-v, --verbose', 'more output; full cause chains and stacks on errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
      outputError: (s, write) => write(`binfarm: ${s.replace(/^error: /, '')}`),
    });
  program.addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 invalid config, 64 usage error, 130 interrupted (docs/cli.md).');

  for (const def of commands) register(program, def, [], streams, outcome, program);
  return program;
}

function register(parent: Command, def: CommandDefinition<any>, path: string[], streams: Streams, outcome: { code: number }, program: Command): void {
  const cmd = parent.command(def.name).summary(def.summary).description(def.description ?? def.summary);
  cmd.exitOverride();
  def.configure?.(cmd);
  const fullPath = [...path, def.name];
  for (const sub of def.subcommands ?? []) register(cmd, sub, fullPath, streams, outcome, program);
  if (!def.run) return;
  const run = def.run;
  cmd.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const global = readGlobals(program);
    const controller = new AbortController();
    const release = def.handlesSignals ? () => {} : onInterrupt(controller, streams);
    try {
      const ctx = createCommandContext(global, fullPath.join(' '), streams, controller.signal);
      const code = await run(self.processedArgs as string[], self.opts(), ctx);
      outcome.code = typeof code === 'number' ? code : EXIT.ok;
    } catch (e) {
      if (controller.signal.aborted && exitCodeFor(e) === EXIT.failure) {
        throw new BinfarmError('E_INTERRUPTED', 'interrupted', { cause: e });
      }
      throw e;
    } finally {
      release();
    }
  });
}

/**
 * Ctrl-C for commands without their own handling: the first aborts the command's signal
 * (it gets 10 s to stop), the second exits at once with 130.
 */
function onInterrupt(controller: AbortController, streams: Streams): () => void {
  let timer: NodeJS.Timeout | undefined;
  const handler = (sig: NodeJS.Signals) => {
    const code = sig === 'SIGTERM' ? 143 : EXIT.interrupted;
    if (controller.signal.aborted) process.exit(code);
    streams.stderr.write(`\nbinfarm: ${sig} received, stopping (press Ctrl-C again to exit at once)\n`);
    controller.abort(new BinfarmError('E_INTERRUPTED', `interrupted by ${sig}`));
    timer = setTimeout(() => process.exit(code), 10_000).unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    if (timer) clearTimeout(timer);
  };
}

function readGlobals(program: Command): GlobalOptions {
  const o = program.opts<{ config?: string; set?: string[]; quiet?: boolean; json?: boolean; cwd?: string; verbose?: boolean }>();
  return {
    config: o.config,
    set: o.set ?? [],
    quiet: !!o.quiet,
    json: !!o.json,
    verbose: !!o.verbose,
    cwd: resolve(o.cwd ?? process.cwd()),
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
