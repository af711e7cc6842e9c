import { z } from 'zod';

/**
 * Custom images (tier 3): `assemble: { <name>: { from, with, slim?, labels? } }`. An assembly is
 * made by `emerge --usepkgonly` from the binhost partition of its `from` subject, never compiling
 * (core/assemble). The atoms and sets of `with` are checked against Portage's grammar when the
 * assembly runs (core/assemble/spec.ts), so a bad atom is reported with its position.
 */

/** Image names (the repository part after `imagePrefix/`): Docker's lower-case path component. */
export const AssemblyNameSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/, 'assembly names become image names: lower-case letters and digits, separated by single ".", "_" or "-"');

/** A Docker tag. */
export const ImageTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker tag: letters, digits, "_", "." and "-", at most 128 characters');

export const AssemblySchema = z.strictObject({
  /** The subject (or `base`) whose image and binhost partition the assembly starts from. */
  from: z.string().min(1),
  /** Package sets (`@name`) and atoms (`cat/pn`, `>=cat/pn-1.2`, ...) to merge from binpkgs. */
  with: z.array(z.string().min(1)).min(1, 'an assembly needs at least one set or atom in `with`'),
  /**
   * A slim runtime image: merge into an empty ROOT (`--root --root-deps=rdeps`) and ship only
   * that, without Portage, the tree or the toolchain (docs/assemble.md for the trade-offs).
   */
  slim: z.boolean().default(false),
  /**
   * Slim only: atoms merged into the empty ROOT besides `with` (the filesystem layout and the C
   * library, which no package depends on). `[]` ships exactly the runtime deps of `with`.
   */
  runtime: z.array(z.string().min(1)).optional(),
  /** An extra tag besides the content key (`<imagePrefix>/<name>:<tag>`). */
  tag: ImageTagSchema.optional(),
  /** Labels added to the image. */
  labels: z.record(z.string(), z.string()).default({}),
  /** Push the image to `registry` after assembling (like `binfarm assemble --publish`). */
  publish: z.boolean().default(false),
});

export const AssembliesSchema = z.record(AssemblyNameSchema, AssemblySchema);

/** Slim images get these unless `runtime` says otherwise (virtual/libc: glibc or musl, per profile). */
export const DEFAULT_SLIM_RUNTIME = ['sys-apps/baselayout', 'virtual/libc'] as const;
