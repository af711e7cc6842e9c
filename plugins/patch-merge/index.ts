import type { Plugin } from 'binfarm';
import { mergeStrategy } from './src/strategy.ts';

export { mergeStrategy };

/** Registers the "merge" patch strategy: merge make.conf variables into the image's make.conf (incremental tokens stacked, others overridden); other files get the missing lines. */
export function patchMerge(): Plugin {
  return {
    name: 'patch-merge',
    version: '0.1.0',
    apply(farm) {
      farm.hooks.patchStrategies.tap('patch-merge', (strategies) => ({ ...strategies, [mergeStrategy.name]: mergeStrategy }));
    },
  };
}

export default patchMerge;
