import type { Plugin } from 'binfarm';
import { protectStrategy } from './src/strategy.ts';

export { protectStrategy };

/** Registers the "protect" patch strategy: write ._cfg0000_<name> next to a protected file, then replace it like etc-update and log the diff. */
export function patchProtect(): Plugin {
  return {
    name: 'patch-protect',
    version: '0.1.0',
    apply(farm) {
      farm.hooks.patchStrategies.tap('patch-protect', (strategies) => ({ ...strategies, [protectStrategy.name]: protectStrategy }));
    },
  };
}

export default patchProtect;
