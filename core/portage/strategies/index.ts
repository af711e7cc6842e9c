import type { FarmContext } from '../../types.ts';
import type { Plugin } from '../../plugin.ts';
import type { PatchStrategy } from '../strategy.ts';
import { appendStrategy } from './append.ts';
import { mergeStrategy } from './merge.ts';
import { overwriteStrategy } from './overwrite.ts';
import { profileStrategy } from './profile.ts';
import { protectStrategy } from './protect.ts';

/** The patch strategies binfarm ships; DEFAULT_STRATEGY_RULES (../strategy.ts) names three of them. */
export const BUILTIN_PATCH_STRATEGIES: Readonly<Record<string, PatchStrategy>> = Object.freeze(
  Object.fromEntries([overwriteStrategy, mergeStrategy, appendStrategy, protectStrategy, profileStrategy].map((s) => [s.name, s])),
);

/**
 * Registers the built-in patch strategies on `patchStrategies`, the hook third-party strategies
 * use too. Built-ins go under what earlier taps returned, so a plugin that registers a strategy of
 * the same name replaces the built-in whatever the tap order.
 */
export class PatchStrategiesPlugin implements Plugin {
  readonly name = 'binfarm:patch-strategies';

  apply(farm: FarmContext): void {
    farm.hooks.patchStrategies.tap(this.name, (strategies) => ({ ...BUILTIN_PATCH_STRATEGIES, ...strategies }));
  }
}
