import type { z } from 'zod';

/**
 * The subject schemas (core/config/schema/subject.ts), reached without importing zod here:
 * that module registers them when it loads. Anything that validates a config or uses the public
 * API has loaded it; a run whose options came from the validated-options cache
 * (core/config/options-cache.ts) has not, and needs it only when a plugin adds or changes
 * subjects (core/subject/resolve.ts).
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

/** Loads the schemas (and zod) if nothing has yet. */
export async function loadSubjectSchemas(): Promise<SubjectSchemas> {
  if (!registered) await import('../config/schema/subject.ts');
  return registered!;
}
