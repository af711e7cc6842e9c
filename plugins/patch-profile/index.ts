import type { Plugin } from 'binfarm';
import { profileStrategy } from './src/strategy.ts';

export { profileStrategy };

/** Registers the "profile" patch strategy: install the custom profile's overlay repository and point make.profile at it. */
export function patchProfile(): Plugin {
  return {
    name: 'patch-profile',
    version: '0.1.0',
    apply(farm) {
      farm.hooks.patchStrategies.tap('patch-profile', (strategies) => ({ ...strategies, [profileStrategy.name]: profileStrategy }));
    },
  };
}

export default patchProfile;
