import type { Plugin } from 'binfarm';
import { overwriteStrategy } from './src/strategy.ts';

export { overwriteStrategy };

/** Registers the "overwrite" patch strategy: replace the file with binfarm's content. */
export function patchOverwrite(): Plugin {
  return {
    name: 'patch-overwrite',
    version: '0.1.0',
    apply(farm) {
      farm.hooks.patchStrategies.tap('patch-overwrite', (strategies) => ({ ...strategies, [overwriteStrategy.name]: overwriteStrategy }));
    },
  };
}

export default patchOverwrite;
