import { BinfarmError } from '../errors.ts';
import type { FarmHooks, PatchStrategy } from '../types.ts';
import { globToRegExp } from './glob.ts';

/**
 * Patch strategies decide how one rendered file gets into the image. A strategy is a pure
 * function of the path, the new content and what the image has now; it returns file
 * operations (applied in order) and log lines. Strategies are registered by name on
 * `farm.hooks.patchStrategies`: binfarm's own (./strategies/) by a built-in plugin, others by any
 * plugin, replacing a built-in of the same name; `portage.strategies` (glob → name) chooses one per file.
 * Their types are part of the plugin contract (core/types.ts).
 */
export type { FileOp, PatchStrategy, StrategyInput, StrategyResult, StrategyTools } from '../types.ts';

/** Identity helper for typing a strategy. */
export function definePatchStrategy<T extends PatchStrategy>(s: T): T {
  return s;
}

/**
 * Built-in choice per file, after the user's `portage.strategies` globs: make.conf (a file)
 * is merged into the image's, the custom profile and make.profile go through `profile`,
 * everything else binfarm owns is overwritten.
 */
export const DEFAULT_STRATEGY_RULES: ReadonlyArray<readonly [glob: string, strategy: string]> = [
  ['make.conf', 'merge'],
  ['make.profile', 'profile'],
  ['/var/db/repos/binfarm-local/**', 'profile'],
  ['**', 'overwrite'],
];

export interface StrategyChooser {
  (key: string): { strategy: string; rule: string };
}

/** First matching user glob (in config order), then the defaults. */
export function strategyChooser(userRules: Record<string, string>): StrategyChooser {
  const rules = [...Object.entries(userRules), ...DEFAULT_STRATEGY_RULES].map(([glob, strategy]) => ({ glob, strategy, re: globToRegExp(glob) }));
  return (key) => {
    const r = rules.find((x) => x.re.test(key))!;
    return { strategy: r.strategy, rule: r.glob };
  };
}

/** The strategies registered on a farm (built-ins and plugins). */
export function resolveStrategies(farm: { hooks: Pick<FarmHooks, 'patchStrategies'> }): Record<string, PatchStrategy> {
  const strategies = farm.hooks.patchStrategies.call({});
  for (const [name, s] of Object.entries(strategies)) {
    if (typeof (s as Partial<PatchStrategy> | undefined)?.apply !== 'function' || s.name !== name) {
      const why = typeof s?.apply !== 'function' ? 'it has no apply()' : `its name is "${String(s.name)}"`;
      throw new BinfarmError('E_PLUGIN_INVALID', `patch strategy "${name}" registered through farm.hooks.patchStrategies is not usable: ${why}`, {
        hint: 'Register definePatchStrategy({ name, description, apply }) under its own name: (s) => ({ ...s, [strategy.name]: strategy }).',
      });
    }
  }
  return strategies;
}

export function getStrategy(strategies: Record<string, PatchStrategy>, name: string, forKey: string, rule: string): PatchStrategy {
  const s = strategies[name];
  if (!s) {
    const known = Object.keys(strategies).sort().join(', ') || 'none';
    throw new BinfarmError('E_CONFIG_INVALID', `patch strategy "${name}" (chosen for "${forKey}" by portage.strategies["${rule}"]) is not registered`, {
      hint: `Registered strategies: ${known}. A plugin registers one through farm.hooks.patchStrategies.`,
    });
  }
  return s;
}
