import { mkdirSync } from 'node:fs';
import type { FarmContext } from '../types.ts';
import type { Engine } from '../engine/types.ts';
import type { Logger } from '../log/logger.ts';
import type { RunContext } from './context.ts';
import { resolveCacheDir, resolveStateDir, runDirOf } from './paths.ts';

export interface RunContextInit {
  farm: FarmContext;
  runId: string;
  command: string;
  publish: boolean;
  signal: AbortSignal;
  logger: Logger;
  /** Creates the engine on first use (plan-only commands never touch Docker). */
  engine: (run: RunContext) => Promise<Engine>;
}

export interface CreatedRunContext {
  run: RunContext;
  /** The engine, when something asked for it (what the end of the run must clean up). */
  engineIfCreated(): Promise<Engine> | undefined;
}

/**
 * The per-run context shared by `run` and `assemble`: paths resolved against the config's
 * directory, the run directory created, the engine connected lazily and once.
 */
export function createRunContext(init: RunContextInit): CreatedRunContext {
  const { farm } = init;
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const runDir = runDirOf(stateDir, init.runId);
  mkdirSync(runDir, { recursive: true });
  let engine: Promise<Engine> | undefined;
  const run: RunContext = {
    runId: init.runId,
    runDir,
    stateDir,
    cacheDir: resolveCacheDir(farm.options, farm.rootDir),
    rootDir: farm.rootDir,
    options: farm.options,
    command: init.command,
    farm,
    publish: init.publish,
    signal: init.signal,
    logger: init.logger,
    engine() {
      engine ??= init.engine(run);
      return engine;
    },
    data: new Map(),
  };
  return { run, engineIfCreated: () => engine };
}
