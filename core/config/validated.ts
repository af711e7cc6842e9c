import type { BinfarmOptions } from './schema/index.ts';

/**
 * Options objects that came out of the config schema whole (validateConfig, or the
 * validated-options cache, which holds only such output). core/subject/resolve.ts trusts the
 * config's own subjects in them: they were checked by the same subject schema it would apply.
 */
const validated = new WeakSet<object>();

export function markValidated(options: BinfarmOptions): BinfarmOptions {
  validated.add(options);
  return options;
}

export function isValidated(options: object): boolean {
  return validated.has(options);
}
