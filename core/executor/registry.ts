/**
 * The executors of a farm, registered by name like mount strategies: on the waterfall hook
 * `farm.hooks.executors`, which the built-in plugin below taps with binfarm's own; a plugin adds
 * one (a Slurm or HTCondor executor, say) in its apply():
 * `farm.hooks.executors.tap('my-plugin', (e) => ({ ...e, slurm: slurmExecutor }))`.
 * `run.executor` (or `binfarm run --executor`) picks one; its `unavailable()` is asked once per run. `local` with
 * an engine that is not on this machine becomes `remote` (builds with no host bind mount).
 */
import { BinfarmError } from '../errors.ts';
import { didYouMean } from '../config/suggest.ts';
import type { Executor, FarmContext, Plugin, RunContext } from '../types.ts';
import { localExecutor } from './local.ts';
import { remoteExecutor } from './remote-executor.ts';
import { swarmExecutor } from './swarm-executor.ts';

export const BUILTIN_EXECUTORS: Readonly<Record<string, Executor>> = Object.freeze({ local: localExecutor, swarm: swarmExecutor, remote: remoteExecutor });

/** Registers the built-in executors under what earlier taps returned (a plugin's executor of the same name wins). */
export class ExecutorsPlugin implements Plugin {
  readonly name = 'binfarm:executors';

  apply(farm: FarmContext): void {
    farm.hooks.executors.tap(this.name, (executors) => ({ ...BUILTIN_EXECUTORS, ...executors }));
  }
}

/** Per run: the executor chosen and its availability check, made once whatever the number of subjects. */
const chosen = new WeakMap<RunContext, Promise<Executor>>();

/** The run's executor (run.executor), checked once per run; throws E_EXECUTOR with the fix when it cannot run. */
export function executorOf(farm: FarmContext, run: RunContext): Promise<Executor> {
  let p = chosen.get(run);
  if (!p) {
    p = choose(farm, run);
    chosen.set(run, p);
  }
  return p;
}

async function choose(farm: FarmContext, run: RunContext): Promise<Executor> {
  const executors = farm.hooks.executors.call({});
  // `local` binds this host's paths: with an engine elsewhere the build takes the no-bind path (docs/scale-out.md#remote-single-engines).
  const name = run.options.run.executor === 'local' && executors.remote && !(await run.engine()).local ? 'remote' : run.options.run.executor;
  const executor = executors[name];
  if (!executor) {
    throw new BinfarmError('E_EXECUTOR', `unknown executor "${name}" (run.executor)${didYouMean(name, Object.keys(executors))}`, {
      hint: `Known executors: ${Object.keys(executors).join(', ')}. A plugin registers one through farm.hooks.executors.`,
    });
  }
  if (typeof executor.emerge !== 'function' || executor.name !== name) {
    throw new BinfarmError('E_PLUGIN_INVALID', `executor "${name}" registered through farm.hooks.executors is not usable`, {
      hint: 'Register { name, emerge(build, farm) } under its own name: (e) => ({ ...e, [executor.name]: executor }).',
    });
  }
  const why = await executor.unavailable?.(run);
  if (why) throw new BinfarmError('E_EXECUTOR', `the ${name} executor cannot run: ${why}`);
  return executor;
}
