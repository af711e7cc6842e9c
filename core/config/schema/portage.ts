import { z } from 'zod';

/** A binrepos.conf entry (docs/internals/gentoo.md#binrepos-conf). */
export const BinrepoSchema = z.strictObject({
  syncUri: z.string().min(1),
  priority: z.number().int().optional(),
  location: z.string().optional(),
  verifySignature: z.boolean().optional(),
});

/** A repos.conf entry for an extra repository (overlay). */
export const RepoEntrySchema = z.strictObject({
  location: z.string().min(1),
  priority: z.number().int().optional(),
  masters: z.array(z.string()).optional(),
});

/** Built-in strategies are overwrite, merge, append, protect, profile; plugins may register more (checked when applied). */
export const PatchStrategyNameSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'strategy names are lower-case words, e.g. "merge"');

/**
 * Portage settings of the farm (issue #3 §6). Everything here can be overridden from
 * BINFARM_* environment variables and `--set portage.x=y`.
 */
export const PortageSettingsSchema = z.strictObject({
  /** `opt` (optimised) or `dbg` (debug info, installsources; the original env files). */
  buildType: z.enum(['opt', 'dbg']).default('opt'),
  /** dbg applied to every package (`global`) or only to atoms whose spec lists the env file. */
  dbgScope: z.enum(['global', 'per-package']).default('global'),
  /** Gentoo profile the farm's profile inherits from. */
  profile: z.string().default('default/linux/amd64/23.0'),
  /** Generate a custom profile in a local overlay (the profile patch strategy) instead of writing make.profile directly. */
  customProfile: z.boolean().default(true),
  arch: z.string().default('amd64'),
  chost: z.string().default('x86_64-pc-linux-gnu'),
  commonFlags: z.string().default('-O2 -pipe -march=x86-64 -mtune=generic'),
  cpuFlagsX86: z.array(z.string()).default(['mmx', 'mmxext', 'sse', 'sse2']),
  makeopts: z.string().optional(),
  emergeDefaultOpts: z.array(z.string()).default([]),
  /** FEATURES tokens added after the container-safe defaults (`-token` removes). */
  features: z.array(z.string()).default([]),
  /** Grant SYS_PTRACE to build containers, which keeps Portage's sandbox on. */
  grantPtrace: z.boolean().default(false),
  binpkgFormat: z.enum(['gpkg', 'xpak']).default('gpkg'),
  binpkgCompress: z.string().default('zstd'),
  pkgdir: z.string().default('/var/cache/binpkgs'),
  distdir: z.string().default('/var/cache/distfiles'),
  acceptLicense: z.array(z.string()).default(['-*', '@FREE', '@BINARY-REDISTRIBUTABLE']),
  acceptKeywords: z.array(z.string()).default([]),
  use: z.array(z.string()).default([]),
  /** Extra make.conf variables, verbatim. */
  makeConf: z.record(z.string(), z.string()).default({}),
  /** Deprecated-style PORTAGE_BINHOST URIs. Prefer `binrepos`. */
  binhost: z.array(z.string()).default([]),
  binrepos: z.record(z.string(), BinrepoSchema).default({}),
  /** Remove the binrepos.conf a stage3 ships (it points at the internet; docs/internals/gentoo.md#stage3-contents). */
  removeStage3Binrepos: z.boolean().default(true),
  /** Patch strategy per /etc/portage path (glob); the default per file kind is documented in docs/portage.md. */
  strategies: z.record(z.string(), PatchStrategyNameSchema).default({}),
  /** Extra files relative to /etc/portage. */
  files: z.record(z.string(), z.string()).default({}),
  /** Render make.conf as one file (merged into the image's by the `merge` strategy) or as a directory `make.conf/NN-name.conf`. */
  makeConfLayout: z.enum(['file', 'dir']).default('file'),
  /** Content of the generated custom profile (customProfile), beside the build type's settings. */
  profileContent: z
    .strictObject({
      /** make.defaults variables (incremental ones stack on the parent profile). */
      makeDefaults: z.record(z.string(), z.string()).default({}),
      /** `packages` lines: `*atom` adds to @system, `atom` to @profile. */
      packages: z.array(z.string()).default([]),
      /** atom → USE tokens (profile package.use). */
      packageUse: z.record(z.string(), z.array(z.string())).default({}),
    })
    .default({ makeDefaults: {}, packages: [], packageUse: {} }),
  /** Packages Portage treats as installed without installing them (profile/package.provided), e.g. `sys-kernel/gentoo-sources-6.12.0`. */
  provided: z.array(z.string()).default([]),
});
