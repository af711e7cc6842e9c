import { z } from 'zod';
import { SubjectResourcesSchema } from './executor.ts';

/**
 * One atom's settings; `null` (YAML `~`) and `{}` both mean "no settings". The one check of an
 * atom's settings: typed against AtomSpec (core/subject/types.ts), so the two cannot drift;
 * ATOM_SPEC_KEYS is derived from it and the hep plugin reuses it.
 */
const atomSpecShape = {
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
   * into the set: Portage pulls them in as dependencies (the original spec's `deps`).
   */
  deps: z.record(z.string(), z.preprocess((v) => v ?? {}, z.lazy(() => AtomSpecSchema))).optional(),
};
export const AtomSpecSchema: z.ZodType<import('../../subject/types.ts').AtomSpec> = z.strictObject(atomSpecShape);

/** The settings an atom may have (the keys of AtomSpecSchema). */
export const ATOM_SPEC_KEYS: readonly string[] = Object.keys(atomSpecShape);

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
