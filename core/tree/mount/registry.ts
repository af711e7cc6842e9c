/**
 * The mount strategies of a farm. Built-ins are registered up front; a plugin adds or replaces one
 * in its apply(): `mountStrategies(farm).register({ name: 'nfs', ... })`.
 */
import { BinfarmError } from '../../errors.ts';
import { bindStrategy } from './bind.ts';
import { copyStrategy } from './copy.ts';
import { squashfsStrategy } from './squashfs.ts';
import type { MountStrategy } from './types.ts';
import { volumeStrategy } from './volume.ts';

export class MountStrategyRegistry {
  private readonly strategies = new Map<string, MountStrategy>();

  constructor(builtins: MountStrategy[] = [squashfsStrategy, bindStrategy, volumeStrategy, copyStrategy]) {
    for (const s of builtins) this.register(s);
  }

  register(strategy: MountStrategy): void {
    this.strategies.set(strategy.name, strategy);
  }

  get(name: string): MountStrategy {
    const s = this.strategies.get(name);
    if (!s) {
      throw new BinfarmError('E_MOUNT', `unknown mount strategy "${name}"`, { hint: `Known strategies: auto, ${[...this.strategies.keys()].join(', ')}.` });
    }
    return s;
  }

  /** Strategies `auto` may pick, in the order it tries them. */
  autoCandidates(): MountStrategy[] {
    return [...this.strategies.values()].filter((s) => s.autoPriority !== undefined).sort((a, b) => a.autoPriority! - b.autoPriority!);
  }
}

const registries = new WeakMap<object, MountStrategyRegistry>();

export function mountStrategies(farm: object): MountStrategyRegistry {
  let r = registries.get(farm);
  if (!r) {
    r = new MountStrategyRegistry();
    registries.set(farm, r);
  }
  return r;
}
