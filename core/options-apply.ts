import type { Farm } from './farm.ts';

/**
 * Turns validated options into built-in plugins (webpack's WebpackOptionsApply). Built-ins tap
 * the same public hooks as user plugins and are applied after them, so a user plugin tapping a
 * phase at the default stage runs first and may claim it. Modules imported here must stay
 * light: heavy dependencies (dockerode, listr2) are imported inside taps.
 */
export function applyOptions(farm: Farm): void {
  const builtins: Array<{ name: string; apply(f: Farm): void }> = [];
  for (const plugin of builtins) farm.apply(plugin);
}
