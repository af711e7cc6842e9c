import { z } from 'zod';
import { repositoryProblem } from '../image-name.ts';
import { BinhostSigningSchema } from './signing.ts';
import { ExecutorNameSchema } from './executor.ts';

export const RegistrySchema = z.strictObject({
  /** e.g. `127.0.0.1:5000/hep` — images are pushed as `<url>/<subject>:<tag>`. */
  url: z
    .string()
    .min(1)
    .superRefine((v, ctx) => {
      const why = repositoryProblem(v);
      if (why) ctx.addIssue({ code: 'custom', message: `"${v}" is not a registry repository prefix: ${why} (e.g. "127.0.0.1:5000/hep")` });
    }),
  username: z.string().optional(),
  /** Prefer BINFARM_REGISTRY__PASSWORD or the Docker config; masked in `binfarm config`. */
  password: z.string().optional(),
  latest: z.boolean().default(false),
});

export const BinhostPublishSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('dir'), path: z.string().min(1) }),
  z.strictObject({ type: z.literal('rsync'), target: z.string().min(1), sshArgs: z.array(z.string()).default([]) }),
]);

export const BinhostSchema = z.strictObject({
  /** Local binhost root; partitions live below it. Relative to the state dir when relative. */
  dir: z.string().default('binhost'),
  publish: z.array(BinhostPublishSchema).default([]),
  /** Generations kept after publishing. */
  keep: z.number().int().positive().default(5),
  /** Sign new binpkgs on the host and have clients verify them (docs/security.md). */
  signing: BinhostSigningSchema.optional(),
});

export const RunSchema = z.strictObject({
  /** Subjects built at once (with the swarm executor: jobs on the cluster at once). */
  concurrency: z.number().int().positive().default(1),
  /** emerge --jobs */
  jobs: z.number().int().positive().default(2),
  /** emerge --load-average */
  loadAverage: z.number().positive().optional(),
  /** Keep the failed build container for `binfarm shell`. */
  keepFailed: z.boolean().default(false),
  /** Publish after a successful build. */
  publish: z.boolean().default(false),
  /** Where subjects' emerge runs: `local` (the build container) or `swarm` (jobs on a Docker Swarm; docs/scale-out.md). */
  executor: ExecutorNameSchema.default('local'),
});

/** What `binfarm clean` keeps (core/clean). */
export const CleanSchema = z.strictObject({
  /** Subject images kept per subject besides the current one (newest first). */
  keepImages: z.number().int().min(0).default(2),
  /** Run directories (and kept failed builds) older than this many days are removed... */
  runDays: z.number().int().min(0).default(30),
  /** ...but the newest this many runs are always kept. */
  keepRuns: z.number().int().min(0).default(20),
});
