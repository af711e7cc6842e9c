/**
 * Container operations of the Docker adapter: create (labelled as the run's), start, run to the
 * end with the output collected, and list. A created container is a DockerContainer handle
 * (container.ts).
 */
import { once } from 'node:events';
import { BinfarmError } from '../errors.ts';
import { DockerContainer } from './container.ts';
import type { DockerSession } from './docker-session.ts';
import type { Filters, RawContainer } from './engine-api.ts';
import { OutputCollector } from './output.ts';
import type { ContainerSpec, ExecResult, StreamHandlers } from './types.ts';

export async function createContainer(d: DockerSession, spec: ContainerSpec): Promise<DockerContainer> {
  const mounts = (spec.mounts ?? []).filter((m) => m.type !== 'tmpfs');
  const tmpfs = Object.fromEntries((spec.mounts ?? []).filter((m) => m.type === 'tmpfs').map((m) => [m.target, m.tmpfsOptions ?? '']));
  try {
    const docker = await d.dockerode();
    const c = await docker.createContainer({
      Image: spec.image,
      Cmd: spec.cmd,
      Entrypoint: spec.entrypoint,
      Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
      WorkingDir: spec.workdir,
      User: spec.user,
      name: spec.name,
      Tty: false,
      OpenStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Labels: d.labels(spec.labels),
      HostConfig: {
        Mounts: mounts.map((m) => ({
          Type: m.type as 'bind' | 'volume',
          Source: m.source ?? '',
          Target: m.target,
          ReadOnly: m.readOnly ?? false,
        })),
        Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
        CapAdd: spec.capAdd,
        ...(spec.network ? { NetworkMode: spec.network } : {}),
      },
    });
    d.live.add(c.id);
    return new DockerContainer(docker, c, d.host, (id) => d.live.delete(id));
  } catch (e) {
    d.fail(e, 'create container', spec.image);
  }
}

/** Creates and starts a container; one that does not start is removed again. */
export async function startContainer(d: DockerSession, spec: ContainerSpec): Promise<DockerContainer> {
  const c = await createContainer(d, spec);
  try {
    await c.start();
  } catch (e) {
    await c.remove().catch(() => undefined);
    throw e;
  }
  return c;
}

/** Runs a container to its end and removes it; the output is collected (and streamed to `onLine`). */
export async function runContainer(d: DockerSession, spec: ContainerSpec, opts: StreamHandlers = {}): Promise<ExecResult> {
  const handle = await createContainer(d, spec);
  const docker = await d.dockerode();
  const container = docker.getContainer(handle.id);
  const signal = opts.signal ?? d.signal;
  const onAbort = () => void container.kill().catch(() => undefined);
  try {
    // Attach before start, or a short-lived container's output is lost (docs/internals/architecture.md#docker-engine-api).
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new OutputCollector(opts.onLine, opts.keepBytes);
    docker.modem.demuxStream(stream, out.stdout, out.stderr);
    const ended = once(stream, 'end');
    signal?.addEventListener('abort', onAbort, { once: true });
    await handle.start();
    const [waited] = await Promise.all([container.wait() as Promise<{ StatusCode: number }>, ended]);
    if (signal?.aborted) throw new BinfarmError('E_INTERRUPTED', `interrupted while running ${spec.image}`);
    const { stdout, stderr } = out.finish();
    return { exitCode: waited.StatusCode, stdout, stderr };
  } catch (e) {
    return d.fail(e, 'run container', spec.image);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await handle.remove().catch((e: unknown) => d.logger.warn(`could not remove container ${handle.id.slice(0, 12)}: ${(e as Error).message}`));
  }
}

/** Containers (running or not) matching the filters, e.g. `{ label: ['binfarm.owned=1'] }`. */
export async function listContainers(d: DockerSession, filters: Filters): Promise<RawContainer[]> {
  try {
    return await d.api.listContainers(filters);
  } catch (e) {
    d.fail(e, 'list containers');
  }
}
