import { z } from 'zod';

/** One atom's settings; `null` (YAML `~`) and `{}` both mean "no settings". */
export const AtomSpecSchema: z.ZodType<import('../../subject/types.ts').AtomSpec> = z.lazy(() =>
  z.strictObject({
    use: z.array(z.string()).optional(),
    accept_keywords: z.array(z.string()).optional(),
    license: z.array(z.string()).optional(),
    mask: z.boolean().optional(),
    unmask: z.boolean().optional(),
    env: z.array(z.string()).optional(),
    patches: z.record(z.string(), z.string()).optional(),
    deps: z.record(z.string(), z.preprocess((v) => v ?? {}, AtomSpecSchema)).optional(),
  }),
);

export const PackageSetsSchema = z.record(
  z.string(),
  z.record(z.string(), z.preprocess((v) => v ?? {}, AtomSpecSchema)),
);

export const SmokeTestSchema = z.strictObject({
  name: z.string().min(1),
  cmd: z.array(z.string()).min(1),
  expect: z.union([z.string(), z.instanceof(RegExp)]).optional(),
  timeout: z.number().int().positive().optional(),
});

export const PortageFragmentSchema = z.strictObject({
  makeConf: z.record(z.string(), z.string()).optional(),
  files: z.record(z.string(), z.string()).optional(),
});

export const SubjectSpecSchema = z.strictObject({
  parent: z.string().min(1).nullable().optional(),
  description: z.string().optional(),
  sets: PackageSetsSchema.optional(),
  portage: PortageFragmentSchema.optional(),
  overlays: z.array(z.string()).optional(),
  context: z.string().optional(),
  smoke: z.array(SmokeTestSchema).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  contributedBy: z.string().optional(),
});

/** Subject names become image names and directory names: keep them to a safe alphabet. */
export const SubjectNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'subject names use lower-case letters, digits, ".", "_" and "-"');

export const SubjectsSchema = z.record(SubjectNameSchema, SubjectSpecSchema);
