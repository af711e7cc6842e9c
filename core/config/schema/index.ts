import { z } from 'zod';
import { repositoryProblem } from '../image-name.ts';
import { PortageSettingsSchema } from './portage.ts';
import { DockerSchema, MountStrategyNameSchema, OverlaySchema, Stage3SourceSchema, TreeSourceSchema } from './engine.ts';
import { BinhostSchema, CleanSchema, RegistrySchema, RunSchema } from './pipeline.ts';
import { PackageSetsSchema, PortageFragmentSchema, SmokeTestSchema, SubjectsSchema } from './subject.ts';
import { AssembliesSchema } from './assemble.ts';
import { SubjectResourcesSchema, SwarmSchema } from './executor.ts';

/** The base subject: the stage3 turned into the farm's factory image (tier 1). */
export const BaseSchema = z.strictObject({
  /** Run `emerge -uDN @world` during bootstrap. */
  updateWorld: z.boolean().default(false),
  /** Sets emerged into the base image (the original hf-base). */
  sets: PackageSetsSchema.default({}),
  /** Build user created in the base image. */
  user: z.string().default('collector'),
  overlays: z.array(z.string()).default([]),
  portage: PortageFragmentSchema.optional(),
  smoke: z.array(SmokeTestSchema).default([]),
  /** What the base's job reserves on a swarm node (run.executor = swarm). */
  resources: SubjectResourcesSchema.optional(),
  /** Swarm placement constraints of the base's job. */
  placement: z.array(z.string().min(1)).optional(),
});

/**
 * The whole validated configuration. Every object is strict so that a typo is reported
 * (with the nearest valid key) instead of silently ignored.
 */
export const ConfigSchema = z.strictObject({
  /** A name for this farm (image namespace `binfarm/<subject>` unless `imagePrefix` is set). */
  name: z.string().default('binfarm'),
  imagePrefix: z
    .string()
    .default('binfarm')
    .superRefine((v, ctx) => {
      const why = repositoryProblem(v);
      if (why) ctx.addIssue({ code: 'custom', message: `"${v}" cannot prefix Docker image names: ${why} (e.g. "hep" or "registry.example.org:5000/hep")` });
    }),
  /** State directory (runs, locks, keys), relative to the config file. */
  stateDir: z.string().default('.binfarm'),
  /** Cache directory for squashfs trees and downloads; defaults to $XDG_CACHE_HOME/binfarm. */
  cacheDir: z.string().optional(),
  plugins: z.array(z.unknown()).default([]),
  stage3: Stage3SourceSchema.default({ type: 'registry', image: 'gentoo/stage3:amd64-openrc' }),
  tree: TreeSourceSchema.default({ type: 'image', image: 'gentoo/portage:latest', path: '/var/db/repos/gentoo' }),
  overlays: z.array(OverlaySchema).default([]),
  mount: z.strictObject({ strategy: MountStrategyNameSchema.default('auto') }).default({ strategy: 'auto' }),
  docker: DockerSchema.default({ minApiVersion: '1.41' }),
  portage: PortageSettingsSchema.default(PortageSettingsSchema.parse({})),
  base: BaseSchema.default(BaseSchema.parse({})),
  subjects: SubjectsSchema.default({}),
  /** Subjects `binfarm run` builds when none are named. Defaults to every subject. */
  targets: z.array(z.string()).optional(),
  binhost: BinhostSchema.default(BinhostSchema.parse({})),
  registry: RegistrySchema.optional(),
  /** The swarm executor's endpoint and job settings (run.executor = swarm; docs/scale-out.md). */
  swarm: SwarmSchema.default(SwarmSchema.parse({})),
  run: RunSchema.default(RunSchema.parse({})),
  clean: CleanSchema.default(CleanSchema.parse({})),
  /** Custom images assembled from binpkgs (`binfarm assemble <name>`; core/config/schema/assemble.ts). */
  assemble: AssembliesSchema.default({}),
});

/** What a user writes (defaults optional). */
export type BinfarmConfigInput = z.input<typeof ConfigSchema>;
/** What the core works with (defaults applied). */
export type BinfarmOptions = z.output<typeof ConfigSchema>;
