/**
 * The engine option of read-only planning commands (`plan`, `status`): none unless `--docker`,
 * then created once, on first use, under a name of the command's own.
 */
import type { Farm } from '../farm.ts';
import type { Engine } from '../engine/types.ts';

export function planEngine(farm: Farm, docker: boolean | undefined, command: string): { engine?: () => Promise<Engine> } {
  if (!docker) return {};
  let engine: Promise<Engine> | undefined;
  return {
    engine: () =>
      (engine ??= import('../engine/docker-engine.ts').then(({ createEngine }) =>
        createEngine(farm.options, `${command}-${process.pid}`, farm.getLogger(`binfarm:${command}`), { rootDir: farm.rootDir }),
      )),
  };
}
