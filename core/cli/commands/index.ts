import type { CommandDefinition } from '../command.ts';

type CommandModule = { command: CommandDefinition<any> };

/**
 * Every CLI command, in `--help` order: its word and its module. One module per command; add
 * yours here. A command line naming one command loads only that module (main.ts); `--help`, an
 * unknown word or none loads them all. Modules must stay light: the implementation is imported
 * inside `run` (see command.ts).
 */
export const COMMAND_MODULES: ReadonlyArray<readonly [string, () => Promise<CommandModule>]> = [
  ['run', () => import('./run.ts')],
  ['plan', () => import('./plan.ts')],
  ['lock', () => import('./lock.ts')],
  ['status', () => import('./status.ts')],
  ['ls', () => import('./ls.ts')],
  ['runs', () => import('./runs.ts')],
  ['logs', () => import('./logs.ts')],
  ['shell', () => import('./shell.ts')],
  ['clean', () => import('./clean.ts')],
  ['assemble', () => import('./assemble.ts')],
  ['config', () => import('./config.ts')],
  ['doctor', () => import('./doctor.ts')],
  ['init', () => import('./init.ts')],
  ['render', () => import('./render.ts')],
  ['import-spec', () => import('./import-spec.ts')],
  ['binhost', () => import('./binhost.ts')],
  ['serve', () => import('./serve.ts')],
  ['sbom', () => import('./sbom.ts')],
  ['verify', () => import('./verify.ts')],
];

/** The named command's definition alone, none for '', or every command's when `name` is not one of them. */
export async function loadCommands(name?: string): Promise<Array<CommandDefinition<any>>> {
  if (name === '') return [];
  const one = COMMAND_MODULES.find(([word]) => word === name);
  const modules = one ? [one] : COMMAND_MODULES;
  return (await Promise.all(modules.map(([, load]) => load()))).map((m) => m.command);
}
