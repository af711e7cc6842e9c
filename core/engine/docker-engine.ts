/**
 * The Engine over dockerode. `createEngine` connects (config `docker.host` > DOCKER_HOST > default
 * socket), checks the API version, and returns an engine that labels everything it creates with
 * `binfarm.owned=1` + `binfarm.run=<runId>` and removes it all in `cleanup()`. The queries of a
 * run that builds nothing go through engine-api.ts; dockerode is loaded on the first call that
 * changes something or streams (docs/internals/startup.md). The operations live by what they
 * act on: image-ops.ts, container-ops.ts, volume-ops.ts, and run-cleanup.ts for the end of a run;
 * they share a DockerSession (docker-session.ts).
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { compareApiVersions, resolveConnection, type DockerConnectionConfig } from './connect.ts';
import { createContainer, listContainers, runContainer, startContainer } from './container-ops.ts';
import { dockerSession, type DockerSession } from './docker-session.ts';
import { dockerodeApi, httpEngineApi, type EngineApi, type Filters, type RawContainer } from './engine-api.ts';
import { translateDockerError, unreachable } from './errors.ts';
import * as images from './image-ops.ts';
import { cleanUpRun, type Cleanup } from './run-cleanup.ts';
import { RunRecordFile } from './run-record.ts';
import type { ContainerHandle, ContainerSpec, Engine, ExecResult, HostResource, ImageConfigInfo, ImageInfo, RegistryAuth, StreamHandlers } from './types.ts';
import { createVolume, listVolumes, removeVolume } from './volume-ops.ts';

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

export class DockerEngine implements Engine {
  private readonly cleanups: Cleanup[] = [];
  private cleaning: Promise<void> | undefined;
  private readonly session: DockerSession;

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
  ) {
    this.session = dockerSession({ api, dockerode, runId, host, logger, signal: extras.signal, env: extras.env, stateDir: extras.stateDir });
  }

  get signal(): AbortSignal | undefined {
    return this.extras.signal;
  }

  async ping(): Promise<{ version: string; apiVersion: string }> {
    try {
      const v = await this.api.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (e) {
      this.session.fail(e, 'version');
    }
  }

  // images (image-ops.ts)
  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return images.inspectImage(this.session, ref);
  }
  imageConfig(ref: string): Promise<ImageConfigInfo | undefined> {
    return images.imageConfig(this.session, ref);
  }
  exportImage(ref: string): Promise<Readable> {
    return images.exportImage(this.session, ref);
  }
  loadImage(archive: Readable): Promise<void> {
    return images.loadImage(this.session, archive);
  }
  listImages(filters: { label?: string[]; reference?: string[] }): Promise<ImageInfo[]> {
    return images.listImages(this.session, filters);
  }
  pull(ref: string, opts: { onProgress?: (line: string) => void; signal?: AbortSignal } = {}): Promise<ImageInfo> {
    return images.pull(this.session, ref, opts);
  }
  importTarball(tar: Readable, ref: { repo: string; tag: string }, labels: Record<string, string> = {}, opts: { changes?: string[] } = {}): Promise<ImageInfo> {
    return images.importTarball(this.session, tar, ref, labels, opts);
  }
  tag(image: string, repo: string, tag: string): Promise<void> {
    return images.tag(this.session, image, repo, tag);
  }
  labelImage(image: string, ref: { repo: string; tag: string }, labels: Record<string, string>): Promise<string> {
    return images.labelImage(this.session, image, ref, labels);
  }
  push(ref: string, opts: { auth?: RegistryAuth; onProgress?: (line: string) => void } = {}): Promise<{ digest?: string }> {
    return images.push(this.session, ref, opts);
  }
  removeImage(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    return images.removeImage(this.session, ref, opts);
  }

  // containers (container-ops.ts)
  async create(spec: ContainerSpec): Promise<ContainerHandle> {
    return createContainer(this.session, spec);
  }
  async start(spec: ContainerSpec): Promise<ContainerHandle> {
    return startContainer(this.session, spec);
  }
  run(spec: ContainerSpec, opts: StreamHandlers = {}): Promise<ExecResult> {
    return runContainer(this.session, spec, opts);
  }
  /** Containers (running or not) matching the filters, e.g. `{ label: ['binfarm.owned=1'] }`. */
  listContainers(filters: Filters): Promise<RawContainer[]> {
    return listContainers(this.session, filters);
  }

  // volumes (volume-ops.ts)
  createVolume(
    name: string,
    opts: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string>; cache?: string } = {},
  ): Promise<string> {
    return createVolume(this.session, name, opts);
  }
  removeVolume(name: string): Promise<void> {
    return removeVolume(this.session, name);
  }
  listVolumes(filters: { label?: string[]; name?: string[] }): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    return listVolumes(this.session, filters);
  }

  // the end of the run (run-cleanup.ts)
  onCleanup(fn: () => Promise<void> | void, resource?: HostResource): void {
    this.cleanups.push({ fn, resource });
    if (resource && this.record) {
      this.record.addResource(resource).catch((e: unknown) => this.logger.warn(`could not record ${resource.kind} ${resource.path}: ${(e as Error).message}`));
    }
  }

  cleanup(): Promise<void> {
    // Concurrent callers (runner and signal handler) share one pass; a later call starts a new one.
    this.cleaning ??= cleanUpRun(this.session, this.cleanups, this.record).finally(() => {
      this.cleaning = undefined;
    });
    return this.cleaning;
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
    // The ssh:// transport's failures (host key, login, the remote docker CLI) already say what to do.
    if (isBinfarmError(e)) throw e;
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
