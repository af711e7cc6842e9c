/**
 * The settings an atom may have, in AtomSpecSchema's order (core/config/schema/subject.ts checks
 * at load that they are exactly its keys). A list of its own so that code reading atom specs
 * (the model builder) does not load zod: a no-op run with cached options never does
 * (docs/internals/startup.md).
 */
export const ATOM_SPEC_KEYS = ['use', 'accept_keywords', 'license', 'mask', 'unmask', 'env', 'patches', 'deps'] as const;
