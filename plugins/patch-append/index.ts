import type { Plugin } from 'binfarm';
import { appendStrategy } from './src/strategy.ts';

export { appendStrategy };

/** Registers the "append" patch strategy: append binfarm's content to the image's file once. */
export function patchAppend(): Plugin {
  return {
    name: 'patch-append',
    version: '0.1.0',
    apply(farm) {
      farm.hooks.patchStrategies.tap('patch-append', (strategies) => ({ ...strategies, [appendStrategy.name]: appendStrategy }));
    },
  };
}

export default patchAppend;
