import { z } from 'zod';

/** `local`, `swarm`, `remote`, or one a plugin registers; looked up when a subject's emerge runs (core/executor/registry.ts). */
export const ExecutorNameSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'an executor name: local, swarm, remote, or one a plugin registers');

/** `host:port` (IPv4 or a host name; port 0 or absent: any free port). */
const ListenSchema = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host:port, e.g. "10.0.0.5:8470" (port 0 or none: a free port)')
  .refine((v) => !v.includes(':') || Number(v.split(':')[1]) < 65536, 'the port must be below 65536');

/**
 * How the swarm executor reaches its nodes and they reach it (docs/scale-out.md). binfarm runs an
 * HTTP endpoint during a swarm run: jobs read the binhost and their context from it and upload
 * the binpkgs they built to it.
 */
export const SwarmSchema = z.strictObject({
  /** Where binfarm's job endpoint listens; default: the manager's swarm address (`docker info` NodeAddr), a free port. */
  listen: ListenSchema.optional(),
  /** The URL jobs use to reach the endpoint when it is not `http://<listen>` (a TLS proxy, NAT). */
  url: z.string().url().optional(),
  /** Docker network of job containers; they must reach the endpoint (`host` by default). */
  network: z.string().min(1).default('host'),
  /** Seconds a job may wait for a node (no node with the reserved resources) before its subject fails. */
  pendingTimeout: z.number().int().positive().default(600),
});

/** What a subject's job reserves on a swarm node (`subjects.<name>.resources`). */
export const SubjectResourcesSchema = z.strictObject({
  /** CPUs reserved for the job (fractions allowed). */
  cpus: z.number().positive().optional(),
  /** Memory reserved, e.g. `16g`, `512m` (bytes without a suffix). */
  memory: z
    .string()
    .regex(/^\d+(\.\d+)?[kmgt]?$/i, 'a size like "16g", "512m" or a number of bytes')
    .optional(),
});
