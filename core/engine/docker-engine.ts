/**
 * The Engine over dockerode. `createEngine` connects (config `docker.host` > DOCKER_HOST > default
 * socket), checks the API version, and returns an engine that labels everything it creates with
 * `binfarm.owned=1` + `binfarm.run=<runId>` and removes it all in `cleanup()`. The queries of a
 * run that builds nothing go through engine-api.ts; dockerode is loaded on the first call that
 * changes something or streams (docs/internals/startup.md).
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BinfarmError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { compareApiVersions, resolveConnection, type DockerConnectionConfig } from './connect.ts';
import { dockerodeApi, httpEngineApi, type EngineApi, type Filters, type RawContainer } from './engine-api.ts';
import { DockerContainer } from './container.ts';
import { buildLabelledImage } from './label-image.ts';
import { translateDockerError, unreachable } from './errors.ts';
import { LABEL, cacheLabels, labelChanges, runLabels } from './labels.ts';
import { OutputCollector } from './output.ts';
import { followProgress, layerProgressReporter } from './progress.ts';
import { repoAndTag } from './reference.ts';
import { resolveRegistryAuth } from './registry-auth.ts';
import { RunRecordFile } from './run-record.ts';
import type { ContainerHandle, ContainerSpec, Engine, ExecResult, HostResource, ImageConfigInfo, ImageInfo, RegistryAuth, StreamHandlers } from './types.ts';

export interface EngineOptions {
  docker: DockerConnectionConfig & { minApiVersion?: string };
}

export interface CreateEngineExtras {
  /** State directory: enables the run record (orphan sweeps) and the `binfarm.state` label. */
  stateDir?: string;
  /** The run's signal: streaming calls stop when it aborts. */
  signal?: AbortSignal;
  /** Anchor for relative TLS paths in the config. */
  rootDir?: string;
  env?: NodeJS.ProcessEnv;
}

interface Cleanup {
  fn: () => Promise<void> | void;
  resource: HostResource | undefined;
}

export class DockerEngine implements Engine {
  private readonly cleanups: Cleanup[] = [];
  private readonly live = new Set<string>();
  private cleaning: Promise<void> | undefined;

  constructor(
    /** The engine's queries (engine-api.ts): no dockerode needed. */
    readonly api: EngineApi,
    /** dockerode, loaded on first use (memoised by createEngine). */
    readonly dockerode: () => Promise<Docker>,
    readonly runId: string,
    readonly host: string,
    readonly local: boolean,
    private readonly logger: Logger,
    private readonly extras: CreateEngineExtras,
    private readonly record: RunRecordFile | undefined,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.extras.signal;
  }

  private labels(extra?: Record<string, string>): Record<string, string> {
    return { ...extra, ...runLabels({ runId: this.runId, stateDir: this.extras.stateDir }) };
  }

  private fail(e: unknown, action: string, ref?: string): never {
    throw translateDockerError(e, { action, ref, host: this.host });
  }

  async ping(): Promise<{ version: string; apiVersion: string }> {
    try {
      const v = await this.api.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (e) {
      this.fail(e, 'version');
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.api.inspectImage(ref);
      return {
        id: i.Id,
        repoTags: i.RepoTags ?? [],
        repoDigests: i.RepoDigests ?? [],
        labels: i.Config?.Labels ?? {},
        size: i.Size,
        config: { cmd: toArgv(i.Config?.Cmd), entrypoint: toArgv(i.Config?.Entrypoint) },
      };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      this.fail(e, 'inspect image', ref);
    }
  }

  async imageConfig(ref: string): Promise<ImageConfigInfo | undefined> {
    try {
      const i = await this.api.inspectImage(ref);
      const config = (i.Config ?? {}) as unknown as Record<string, unknown>;
      return { id: i.Id, config, diffIds: i.RootFS?.Layers ?? [], os: i.Os ?? "linux", architecture: i.Architecture ?? "amd64" };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      this.fail(e, 'inspect image', ref);
    }
  }

  async exportImage(ref: string): Promise<Readable> {
    try {
      // Never started: no process runs; the container is removed when the stream ends (or by cleanup).
      const docker = await this.dockerode();
      const c = await docker.createContainer({ Image: ref, Cmd: ['/nonexistent'], Labels: this.labels({ [LABEL.owned]: '1' }), NetworkDisabled: true });
      this.live.add(c.id);
      const stream = (await c.export()) as unknown as Readable;
      const remove = () => {
        this.live.delete(c.id);
        c.remove({ force: true }).catch(() => undefined);
      };
      stream.once('close', remove);
      stream.once('end', remove);
      return stream;
    } catch (e) {
      this.fail(e, 'export image', ref);
    }
  }

  async loadImage(archive: Readable): Promise<void> {
    try {
      const docker = await this.dockerode();
      const stream = await docker.loadImage(archive as unknown as NodeJS.ReadableStream, { quiet: true } as Record<string, unknown>);
      await followProgress(docker, stream, { action: 'load image', host: this.host });
    } catch (e) {
      this.fail(e, 'load image');
    }
  }

  private async mustInspect(ref: string, action: string): Promise<ImageInfo> {
    const info = await this.inspectImage(ref);
    if (!info) throw translateDockerError(Object.assign(new Error(`No such image: ${ref}`), { statusCode: 404 }), { action, ref, host: this.host });
    return info;
  }

  async listImages(filters: { label?: string[]; reference?: string[] }): Promise<ImageInfo[]> {
    try {
      const list = await this.api.listImages(filters as Filters);
      return list.map((i) => ({
        id: i.Id,
        repoTags: i.RepoTags ?? [],
        repoDigests: i.RepoDigests ?? [],
        labels: i.Labels ?? {},
        size: i.Size,
        created: i.Created as number,
      }));
    } catch (e) {
      this.fail(e, 'list images');
    }
  }

  async pull(ref: string, opts: { onProgress?: (line: string) => void; signal?: AbortSignal } = {}): Promise<ImageInfo> {
    const auth = await resolveRegistryAuth(ref, this.extras.env);
    const ctx = { action: 'pull', ref, host: this.host };
    try {
      const pullOpts: Record<string, unknown> = {};
      if (auth) pullOpts.authconfig = auth;
      const signal = opts.signal ?? this.extras.signal;
      if (signal) pullOpts.abortSignal = signal;
      const docker = await this.dockerode();
      const stream = await docker.pull(ref, pullOpts);
      await followProgress(docker, stream, ctx, opts.onProgress ? layerProgressReporter(ref, opts.onProgress) : undefined);
    } catch (e) {
      this.fail(e, 'pull', ref);
    }
    return this.mustInspect(ref, 'pull');
  }

  async importTarball(
    tar: Readable,
    ref: { repo: string; tag: string },
    labels: Record<string, string> = {},
    opts: { changes?: string[] } = {},
  ): Promise<ImageInfo> {
    const name = `${ref.repo}:${ref.tag}`;
    const ctx = { action: 'import', ref: name, host: this.host };
    try {
      const importOpts: Record<string, unknown> = {
        repo: ref.repo,
        tag: ref.tag,
        changes: [...labelChanges({ ...labels, [LABEL.owned]: '1' }), ...(opts.changes ?? [])],
      };
      if (this.extras.signal) importOpts.abortSignal = this.extras.signal;
      const docker = await this.dockerode();
      const stream = await docker.importImage(tar as unknown as NodeJS.ReadableStream, importOpts);
      await followProgress(docker, stream, ctx);
    } catch (e) {
      this.fail(e, 'import', name);
    }
    return this.mustInspect(name, 'import');
  }

  private async createContainer(spec: ContainerSpec): Promise<DockerContainer> {
    const mounts = (spec.mounts ?? []).filter((m) => m.type !== 'tmpfs');
    const tmpfs = Object.fromEntries((spec.mounts ?? []).filter((m) => m.type === 'tmpfs').map((m) => [m.target, m.tmpfsOptions ?? '']));
    try {
      const docker = await this.dockerode();
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
        Labels: this.labels(spec.labels),
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
      this.live.add(c.id);
      return new DockerContainer(docker, c, this.host, (id) => this.live.delete(id));
    } catch (e) {
      this.fail(e, 'create container', spec.image);
    }
  }

  async create(spec: ContainerSpec): Promise<ContainerHandle> {
    return this.createContainer(spec);
  }

  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    const c = await this.createContainer(spec);
    try {
      await c.start();
    } catch (e) {
      await c.remove().catch(() => undefined);
      throw e;
    }
    return c;
  }

  async run(spec: ContainerSpec, opts: StreamHandlers = {}): Promise<ExecResult> {
    const handle = await this.createContainer(spec);
    const docker = await this.dockerode();
    const container = docker.getContainer(handle.id);
    const signal = opts.signal ?? this.extras.signal;
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
      return this.fail(e, 'run container', spec.image);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await handle.remove().catch((e: unknown) => this.logger.warn(`could not remove container ${handle.id.slice(0, 12)}: ${(e as Error).message}`));
    }
  }

  async tag(image: string, repo: string, tag: string): Promise<void> {
    try {
      await (await this.dockerode()).getImage(image).tag({ repo, tag });
    } catch (e) {
      this.fail(e, 'tag', image);
    }
  }

  async labelImage(image: string, ref: { repo: string; tag: string }, labels: Record<string, string>): Promise<string> {
    try {
      return await buildLabelledImage(await this.dockerode(), image, ref, labels);
    } catch (e) {
      this.fail(e, 'label image', `${ref.repo}:${ref.tag}`);
    }
  }

  async push(ref: string, opts: { auth?: RegistryAuth; onProgress?: (line: string) => void } = {}): Promise<{ digest?: string }> {
    const auth = opts.auth ?? (await resolveRegistryAuth(ref, this.extras.env));
    const { repo, tag } = repoAndTag(ref);
    const ctx = { action: 'push', ref, host: this.host, credentials: opts.auth ? ('config' as const) : auth ? ('docker' as const) : ('none' as const) };
    let digest: string | undefined;
    try {
      const pushOpts: Record<string, unknown> = { tag };
      // The daemon wants an X-Registry-Auth header even for anonymous pushes.
      pushOpts.authconfig = auth ?? {};
      if (this.extras.signal) pushOpts.abortSignal = this.extras.signal;
      const docker = await this.dockerode();
      const stream = await docker.getImage(repo).push(pushOpts);
      const report = opts.onProgress ? layerProgressReporter(ref, opts.onProgress) : undefined;
      await followProgress(docker, stream, ctx, (e) => {
        if (e.aux?.Digest) digest = e.aux.Digest;
        report?.(e);
      });
    } catch (e) {
      throw translateDockerError(e, ctx);
    }
    return digest ? { digest } : {};
  }

  async removeImage(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await (await this.dockerode()).getImage(ref).remove({ force: opts.force ?? false });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      this.fail(e, 'remove image', ref);
    }
  }

  async createVolume(
    name: string,
    opts: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string>; cache?: string } = {},
  ): Promise<string> {
    const labels = opts.cache ? { ...opts.labels, ...cacheLabels(opts.cache) } : this.labels(opts.labels);
    try {
      const v = await (await this.dockerode()).createVolume({ Name: name, Driver: opts.driver ?? 'local', DriverOpts: opts.driverOpts ?? {}, Labels: labels });
      return (v as unknown as { Name?: string }).Name ?? name;
    } catch (e) {
      this.fail(e, `create volume ${name}`);
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await (await this.dockerode()).getVolume(name).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      this.fail(e, `remove volume ${name}`);
    }
  }

  /** Containers (running or not) matching the filters, e.g. `{ label: ['binfarm.owned=1'] }`. */
  async listContainers(filters: Filters): Promise<RawContainer[]> {
    try {
      return await this.api.listContainers(filters);
    } catch (e) {
      this.fail(e, 'list containers');
    }
  }

  async listVolumes(filters: { label?: string[]; name?: string[] }): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    try {
      const res = await this.api.listVolumes(filters as Filters);
      return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: (v.Labels as Record<string, string> | null) ?? {} }));
    } catch (e) {
      this.fail(e, 'list volumes');
    }
  }

  onCleanup(fn: () => Promise<void> | void, resource?: HostResource): void {
    this.cleanups.push({ fn, resource });
    if (resource && this.record) {
      this.record.addResource(resource).catch((e: unknown) => this.logger.warn(`could not record ${resource.kind} ${resource.path}: ${(e as Error).message}`));
    }
  }

  cleanup(): Promise<void> {
    // Concurrent callers (runner and signal handler) share one pass; a later call starts a new one.
    this.cleaning ??= this.cleanupOnce().finally(() => {
      this.cleaning = undefined;
    });
    return this.cleaning;
  }

  private async cleanupOnce(): Promise<void> {
    const problems: string[] = [];
    const label = `${LABEL.run}=${this.runId}`;
    try {
      const containers = await this.api.listContainers({ label: [label] });
      const ids = new Set([...containers.map((c) => c.Id), ...this.live]);
      await Promise.all(
        [...ids].map(async (id) => {
          try {
            await (await this.dockerode()).getContainer(id).remove({ force: true, v: true });
          } catch (e) {
            const code = (e as { statusCode?: number }).statusCode;
            if (code !== 404 && code !== 409) problems.push(`container ${id.slice(0, 12)}: ${(e as Error).message}`);
          }
          this.live.delete(id);
        }),
      );
    } catch (e) {
      problems.push(`listing containers: ${(e as Error).message}`);
    }
    // Registered cleanups (unmount, detach loop devices...) after the containers that used them.
    while (this.cleanups.length) {
      const c = this.cleanups.pop()!;
      try {
        await c.fn();
        if (c.resource) await this.record?.removeResource(c.resource);
      } catch (e) {
        problems.push(`${c.resource ? `${c.resource.kind} ${c.resource.path}` : 'cleanup'}: ${(e as Error).message}`);
      }
    }
    try {
      const { Volumes } = await this.api.listVolumes({ label: [label] });
      for (const v of Volumes ?? []) {
        try {
          await (await this.dockerode()).getVolume(v.Name).remove();
        } catch (e) {
          if ((e as { statusCode?: number }).statusCode !== 404) problems.push(`volume ${v.Name}: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      problems.push(`listing volumes: ${(e as Error).message}`);
    }
    if (problems.length) {
      for (const p of problems) this.logger.warn(`cleanup: ${p}`);
      // Keep the record: the next run's sweep retries what is left.
      return;
    }
    await this.record?.remove();
  }
}

/**
 * Connects to the engine and checks the API version. Throws E_DOCKER_UNREACHABLE with the fix
 * when nothing answers, E_DOCKER when the engine is too old.
 */
export async function createEngine(options: EngineOptions, runId: string, logger: Logger, extras: CreateEngineExtras = {}): Promise<DockerEngine> {
  const conn = resolveConnection(options.docker, extras.env ?? process.env, extras.rootDir);
  let loading: Promise<Docker> | undefined;
  const dockerode = () => (loading ??= import('dockerode').then(({ default: Dockerode }) => new Dockerode(conn.options)));
  const api = httpEngineApi(conn.options) ?? dockerodeApi(dockerode);
  let version: { ApiVersion: string; Version: string };
  try {
    version = await api.version();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((e as { statusCode?: number }).statusCode === undefined) throw unreachable(conn.display, code, e);
    throw translateDockerError(e, { action: 'version', host: conn.display });
  }
  const min = options.docker.minApiVersion ?? '1.41';
  if (compareApiVersions(version.ApiVersion, min) < 0) {
    throw new BinfarmError(
      'E_DOCKER',
      `the Docker Engine at ${conn.display} speaks API ${version.ApiVersion} (Docker ${version.Version}); binfarm needs ${min} or newer`,
      {
        hint: 'Upgrade Docker Engine to 20.10 or newer, or lower docker.minApiVersion if you know what you are doing.',
      },
    );
  }
  logger.debug(`connected to Docker ${version.Version} (API ${version.ApiVersion}) at ${conn.display}`);
  let record: RunRecordFile | undefined;
  if (extras.stateDir) {
    record = new RunRecordFile(extras.stateDir, runId);
    await record.create();
  }
  return new DockerEngine(api, dockerode, runId, conn.display, conn.local, logger, extras, record);
}

/** Docker reports Cmd/Entrypoint as an argv array, a string (shell form) or null. */
function toArgv(v: string | string[] | null | undefined): string[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v : ['/bin/sh', '-c', v];
}
