/**
 * The mount strategies of a farm. Registered like patch strategies: by name on a waterfall hook,
 * `farm.hooks.mountStrategies`, which the built-in plugin below taps with binfarm's own; a plugin
 * adds one (or replaces a built-in of the same name) in its apply():
 * `farm.hooks.mountStrategies.tap('my-plugin', (s) => ({ ...s, nfs: nfsStrategy }))`.
 */
import { BinfarmError } from '../../errors.ts';
import type { FarmHooks } from '../../hooks.ts';
import type { Plugin } from '../../plugin.ts';
import { bindStrategy } from './bind.ts';
import { copyStrategy } from './copy.ts';
import { squashfsStrategy } from './squashfs.ts';
import type { MountStrategy } from './types.ts';
import { volumeStrategy } from './volume.ts';

export const BUILTIN_MOUNT_STRATEGIES: Readonly<Record<string, MountStrategy>> = Object.freeze(
  Object.fromEntries([squashfsStrategy, bindStrategy, volumeStrategy, copyStrategy].map((s) => [s.name, s])),
);

/** Registers the built-in mount strategies under what earlier taps returned (a plugin's strategy of the same name wins). */
export class MountStrategiesPlugin implements Plugin {
  readonly name = 'binfarm:mount-strategies';

  apply(farm: { hooks: Pick<FarmHooks, 'mountStrategies'> }): void {
    farm.hooks.mountStrategies.tap(this.name, (strategies) => ({ ...BUILTIN_MOUNT_STRATEGIES, ...strategies }));
  }
}

/** A read-only view of a set of mount strategies: lookup by name and the `auto` order. */
export class MountStrategyRegistry {
  private readonly strategies: ReadonlyMap<string, MountStrategy>;

  /** Without an argument: the built-ins alone (tests and benchmarks that drive mountTrees directly). */
  constructor(strategies: Readonly<Record<string, MountStrategy>> = BUILTIN_MOUNT_STRATEGIES) {
    for (const [name, s] of Object.entries(strategies)) checkMountStrategy(name, s);
    this.strategies = new Map(Object.entries(strategies));
  }

  get(name: string): MountStrategy {
    const s = this.strategies.get(name);
    if (!s) {
      throw new BinfarmError('E_MOUNT', `unknown mount strategy "${name}"`, {
        hint: `Known strategies: auto, ${[...this.strategies.keys()].join(', ')}. A plugin registers one through farm.hooks.mountStrategies.`,
      });
    }
    return s;
  }

  /** Strategies `auto` may pick, in the order it tries them. */
  autoCandidates(): MountStrategy[] {
    return [...this.strategies.values()].filter((s) => s.autoPriority !== undefined).sort((a, b) => a.autoPriority! - b.autoPriority!);
  }
}

/** The mount strategies registered on a farm (built-ins and plugins), read when the mountPortage phase runs. */
export function resolveMountStrategies(farm: { hooks: Pick<FarmHooks, 'mountStrategies'> }): MountStrategyRegistry {
  return new MountStrategyRegistry(farm.hooks.mountStrategies.call({}));
}

function checkMountStrategy(name: string, s: MountStrategy): void {
  const missing = (['needs', 'unavailable', 'provision'] as const).filter((m) => typeof (s as Partial<MountStrategy> | undefined)?.[m] !== 'function');
  if (missing.length || s.name !== name) {
    const why = missing.length ? `it has no ${missing.map((m) => `${m}()`).join(', ')}` : `its name is "${String(s.name)}"`;
    throw new BinfarmError('E_PLUGIN_INVALID', `mount strategy "${name}" registered through farm.hooks.mountStrategies is not usable: ${why}`, {
      hint: 'Register { name, needs, unavailable, provision } under its own name: (s) => ({ ...s, [strategy.name]: strategy }).',
    });
  }
}
