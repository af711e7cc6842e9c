import { z } from 'zod';
import { SubjectResourcesSchema } from './executor.ts';
import { ATOM_SPEC_KEYS } from '../../subject/atom-spec-keys.ts';
import { registerSubjectSchemas } from '../../subject/spec-check.ts';

/**
 * One atom's settings: the one definition. AtomSpec (core/subject/types.ts) is this schema's
 * output type, ATOM_SPEC_KEYS its keys, and the hep plugin checks its `extraAtoms` with it, so
 * a setting added here is known everywhere (test/config/atom-spec.test.ts). `null` (YAML `~`)
 * and `{}` both mean "no settings".
 */
export const AtomSpecSchema = z.strictObject({
  /** USE flags for this atom, `-flag` to disable (package.use). */
  use: z.array(z.string()).optional(),
  /** Keywords to accept (package.accept_keywords); `[]` or `['~amd64']`. */
  accept_keywords: z.array(z.string()).optional(),
  /** Licences to accept (package.license). */
  license: z.array(z.string()).optional(),
  /** Mask this atom (package.mask). */
  mask: z.boolean().optional(),
  /** Unmask this atom (package.unmask). */
  unmask: z.boolean().optional(),
  /** Files from /etc/portage/env to apply (package.env), e.g. `['no-tmpfs.conf']`. */
  env: z.array(z.string()).optional(),
  /** User patches: file name → patch text, written to /etc/portage/patches/<cat>/<pn>[-ver]/. */
  patches: z.record(z.string(), z.string()).optional(),
  /**
   * Dependencies that need settings of their own. They get Portage entries but are not put
   * into the set: Portage pulls them in as dependencies (the original spec's `deps`). A getter
   * is zod's way for a schema to refer to itself; its return type is written out because a
   * recursive preprocess is otherwise inferred as `unknown`.
   */
  get deps(): z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodPipe<z.core.$ZodTransform<unknown, unknown>, typeof AtomSpecSchema>>> {
    return z.record(z.string(), z.preprocess((v) => v ?? {}, AtomSpecSchema)).optional();
  },
});

/** The settings an atom may have: the keys of AtomSpecSchema, in its order. */
export { ATOM_SPEC_KEYS };
// The list lives in a zod-free file (core/subject/atom-spec-keys.ts); it must stay the schema's keys.
if (Object.keys(AtomSpecSchema.shape).join() !== ATOM_SPEC_KEYS.join()) {
  throw new Error(`ATOM_SPEC_KEYS (core/subject/atom-spec-keys.ts) are not AtomSpecSchema's keys: ${Object.keys(AtomSpecSchema.shape).join(', ')}`);
}

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
  /** What the subject's job reserves on a swarm node (run.executor = swarm). */
  resources: SubjectResourcesSchema.optional(),
  /** Swarm placement constraints of the subject's job, e.g. `node.labels.arch==amd64`. */
  placement: z.array(z.string().min(1)).optional(),
});

/** Subject names become image names and directory names: keep them to a safe alphabet. */
export const SubjectNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'subject names use lower-case letters, digits, ".", "_" and "-"');

export const SubjectsSchema = z.record(SubjectNameSchema, SubjectSpecSchema);

// core/subject/resolve.ts checks plugin-contributed subjects with these without importing zod itself.
registerSubjectSchemas({ name: SubjectNameSchema, spec: SubjectSpecSchema });
