import type { z } from 'zod';

/**
 * The subject schemas (core/config/schema/subject.ts), reached without importing zod here:
 * that module registers them when it loads. Anything that validates a config or uses the public
 * API has loaded it; a run whose options came from the validated-options cache
 * (core/config/options-cache.ts) has not, and needs it only when a plugin adds or changes
 * subjects (core/subject/resolve.ts); core/config/validate-farm.ts then imports that module.
 */
export interface SubjectSchemas {
  name: z.ZodType<string>;
  spec: z.ZodType;
}

let registered: SubjectSchemas | undefined;

export function registerSubjectSchemas(schemas: SubjectSchemas): void {
  registered = schemas;
}

/** The schemas; undefined until core/config/schema/subject.ts has loaded. */
export function subjectSchemas(): SubjectSchemas | undefined {
  return registered;
}
