/**
 * Swarm jobs over the Engine API: one-shot services (one task, or one per node), their tasks,
 * logs, secrets and the cluster's nodes, through dockerode. Facts this code relies on (docs/scale-out.md#facts):
 * `ContainerSpec.Command` becomes the container's entrypoint; a task ends `complete`,
 * `failed` (with `Status.Err` and the exit code), or `rejected` (e.g. "No such image"); task
 * containers on other nodes cannot be reached, so outputs must leave a job by themselves.
 */
import type Docker from 'dockerode';
import { Writable } from 'node:stream';
import { LineSplitter } from '../../engine/output.ts';
import type { RegistryAuth } from '../../engine/types.ts';

export interface JobMount {
  type: 'volume' | 'tmpfs' | 'bind';
  /** Volume name (created on the node on first use) or, for `bind`, a path every node has. */
  source?: string;
  target: string;
  readOnly?: boolean;
  /** Never copy the image's content at `target` into a new volume (a volume filled by binfarm). */
  noCopy?: boolean;
}

export interface JobSpec {
  name: string;
  image: string;
  /** The container's entrypoint and arguments (argv; no shell unless argv says so). */
  command: string[];
  env?: Record<string, string>;
  mounts?: JobMount[];
  /** Swarm secrets mounted as files (`/run/secrets/<file>` when file is a bare name). */
  secrets?: Array<{ id: string; name: string; file: string }>;
  labels: Record<string, string>;
  cpus?: number;
  memoryBytes?: number;
  constraints?: string[];
  network?: string;
  /** One task on every node (a global job) instead of one task. */
  global?: boolean;
  auth?: RegistryAuth;
}

export interface TaskView {
  id: string;
  nodeId: string | undefined;
  /** new, pending, assigned, accepted, preparing, starting, running, complete, failed, rejected, shutdown, orphaned, remove. */
  state: string;
  desiredState: string;
  message: string;
  err: string | undefined;
  exitCode: number | undefined;
}

export interface NodeView {
  id: string;
  hostname: string;
  /** ready, down, unknown, disconnected. */
  state: string;
  availability: string;
  nanoCpus: number;
}

/** Task states after which a job's task will not change any more. */
export const FINAL_TASK_STATES: ReadonlySet<string> = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

export async function createJob(docker: Docker, spec: JobSpec): Promise<string> {
  const reservations: Record<string, number> = {};
  if (spec.cpus) reservations.NanoCPUs = Math.round(spec.cpus * 1e9);
  if (spec.memoryBytes) reservations.MemoryBytes = spec.memoryBytes;
  const body = {
    Name: spec.name,
    Labels: spec.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Command: spec.command,
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        Mounts: (spec.mounts ?? []).map((m) => ({
          Type: m.type,
          Target: m.target,
          ...(m.source !== undefined ? { Source: m.source } : {}),
          ReadOnly: !!m.readOnly,
          ...(m.type === 'volume' ? { VolumeOptions: { NoCopy: !!m.noCopy, Labels: { 'binfarm.owned': '1' } } } : {}),
        })),
        Secrets: (spec.secrets ?? []).map((s) => ({ SecretID: s.id, SecretName: s.name, File: { Name: s.file, UID: '0', GID: '0', Mode: 0o400 } })),
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Resources: { Reservations: reservations },
      Placement: { Constraints: spec.constraints ?? [] },
      ...(spec.network ? { Networks: [{ Target: spec.network }] } : {}),
    },
    // Services that run once (restart policy none), not swarm "jobs" (ReplicatedJob/GlobalJob, API
    // 1.41): on Docker 20.10 a removed job's task containers stay on worker nodes, a running one
    // keeps running; a removed service's tasks are stopped and their containers removed (measured
    // on the test cluster, docs/scale-out.md#faults). Nothing else differs for binfarm: a task that
    // ended is never restarted either way.
    Mode: spec.global ? { Global: {} } : { Replicated: { Replicas: 1 } },
  };
  // Two arguments: with one, dockerode would send the whole body as the registry credentials.
  const create = docker.createService.bind(docker) as unknown as (auth: unknown, opts: unknown) => Promise<{ id?: string; ID?: string }>;
  const service = await create(spec.auth, body);
  return (service.id ?? service.ID)!;
}

export async function jobTasks(docker: Docker, serviceId: string): Promise<TaskView[]> {
  const tasks = (await docker.listTasks({ filters: { service: [serviceId] } } as Record<string, unknown>)) as Array<Record<string, any>>;
  return tasks.map((t) => ({
    id: String(t.ID),
    nodeId: t.NodeID || undefined,
    state: String(t.Status?.State ?? 'unknown'),
    desiredState: String(t.DesiredState ?? ''),
    message: String(t.Status?.Message ?? ''),
    err: t.Status?.Err || undefined,
    exitCode: typeof t.Status?.ContainerStatus?.ExitCode === 'number' ? t.Status.ContainerStatus.ExitCode : undefined,
  }));
}

export async function swarmNodes(docker: Docker): Promise<NodeView[]> {
  const nodes = (await docker.listNodes()) as Array<Record<string, any>>;
  return nodes.map((n) => ({
    id: String(n.ID),
    hostname: String(n.Description?.Hostname ?? n.ID),
    state: String(n.Status?.State ?? 'unknown'),
    availability: String(n.Spec?.Availability ?? 'active'),
    nanoCpus: Number(n.Description?.Resources?.NanoCPUs ?? 0),
  }));
}

/** Removes a service; its tasks' containers are removed by their nodes (a 404 is not an error). */
export async function removeJob(docker: Docker, serviceId: string): Promise<void> {
  try {
    await docker.getService(serviceId).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

export async function createSecret(docker: Docker, name: string, data: string, labels: Record<string, string>): Promise<string> {
  const r = (await docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(data).toString('base64') } as Record<string, unknown>)) as unknown as {
    id?: string;
    ID?: string;
  };
  return (r.id ?? r.ID)!;
}

export async function removeSecret(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getSecret(id).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

/**
 * A job's output so far, line by line (the service log, demultiplexed). With `follow`, lines are
 * passed on as they come until the returned stop() is called.
 */
export async function serviceLogLines(
  docker: Docker,
  serviceId: string,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  opts: { follow?: boolean } = {},
): Promise<{ done: Promise<void>; stop(): void }> {
  const service = docker.getService(serviceId) as unknown as { logs(o: Record<string, unknown>): Promise<NodeJS.ReadableStream | Buffer> };
  const out = await service.logs({ stdout: true, stderr: true, follow: !!opts.follow, details: false });
  const split = { stdout: new LineSplitter((l) => onLine(l, 'stdout')), stderr: new LineSplitter((l) => onLine(l, 'stderr')) };
  const flush = () => {
    split.stdout.end();
    split.stderr.end();
  };
  if (Buffer.isBuffer(out)) {
    demuxBuffer(out, (stream, chunk) => split[stream].push(chunk));
    flush();
    return { done: Promise.resolve(), stop() {} };
  }
  const readable = out as NodeJS.ReadableStream & { destroy?: () => void };
  const sink = (stream: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        split[stream].push(chunk);
        cb();
      },
    });
  docker.modem.demuxStream(readable, sink('stdout'), sink('stderr'));
  const done = new Promise<void>((resolve) => {
    readable.once('end', resolve);
    readable.once('close', resolve);
    readable.once('error', () => resolve());
  }).then(flush);
  return { done, stop: () => readable.destroy?.() };
}

/** Docker's multiplexed log format: an 8-byte header (stream, 3 × 0, big-endian length), then the payload. */
function demuxBuffer(buf: Buffer, onChunk: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void {
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i] === 2 ? 'stderr' : 'stdout';
    const len = buf.readUInt32BE(i + 4);
    onChunk(stream, buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
}
