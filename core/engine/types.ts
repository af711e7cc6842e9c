import type { Readable } from 'node:stream';

/**
 * The container engine as the phases see it. The dockerode adapter (engine/docker-engine.ts)
 * implements it; everything it creates carries `binfarm.owned=1` and `binfarm.run=<id>`.
 */
export interface MountSpec {
  /** `bind` (host path), `volume` (named volume) or `tmpfs`. */
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  target: string;
  readOnly?: boolean;
  /** tmpfs options, e.g. `exec,size=8g`. */
  tmpfsOptions?: string;
}

export interface ContainerSpec {
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  mounts?: MountSpec[];
  capAdd?: string[];
  workdir?: string;
  user?: string;
  labels?: Record<string, string>;
  name?: string;
  /** Docker network mode: `none` for containers that need no network, default `bridge`. */
  network?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface StreamHandlers {
  /** Called once per complete line of stdout/stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /** Keep at most this many bytes of output in the result (the tail). Default 1 MiB. */
  keepBytes?: number;
}

export interface ContainerHandle {
  readonly id: string;
  /** Runs argv in the running container; never through a shell unless argv says so. */
  exec(cmd: string[], opts?: StreamHandlers & { env?: Record<string, string>; user?: string; workdir?: string }): Promise<ExecResult>;
  putArchive(tar: Readable | Buffer, path: string): Promise<void>;
  getArchive(path: string): Promise<Readable>;
  /** The size of a path in the container (the archive API's stat: no process starts in it); undefined when there is no such path. */
  statPath(path: string): Promise<{ size: number } | undefined>;
  /** Commit as `repo:tag` with labels; returns the image id. */
  commit(opts: { repo: string; tag: string; labels?: Record<string, string>; changes?: string[]; comment?: string }): Promise<string>;
  stop(timeoutSeconds?: number): Promise<void>;
  remove(): Promise<void>;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  size: number;
  /** Creation time, seconds since the epoch (listImages only). */
  created?: number;
  /** The image's default command (inspectImage only), so a commit can restore what a build container overrode. */
  config?: { cmd: string[] | null; entrypoint: string[] | null };
}

export interface ImageConfigInfo {
  id: string;
  /** The image config's `config` object (Env, Cmd, Entrypoint, WorkingDir, Labels, ...), Docker's capitalisation. */
  config: Record<string, unknown>;
  /** `rootfs.diff_ids`, lowest layer first. */
  diffIds: string[];
  os: string;
  architecture: string;
}

export interface Engine {
  readonly runId: string;
  /** `docker version` facts; throws E_DOCKER_UNREACHABLE with the fix. */
  ping(): Promise<{ version: string; apiVersion: string }>;
  pull(ref: string, opts?: { onProgress?: (line: string) => void; signal?: AbortSignal }): Promise<ImageInfo>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  listImages(filters: { label?: string[]; reference?: string[] }): Promise<ImageInfo[]>;
  /** `opts.changes`: extra Dockerfile instructions for the image config (e.g. `CMD ["/bin/sh"]`). */
  importTarball(tar: Readable, ref: { repo: string; tag: string }, labels?: Record<string, string>, opts?: { changes?: string[] }): Promise<ImageInfo>;
  /** Creates and starts a long-lived container (for exec-driven phases). */
  start(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Creates a container without starting it (archive access to an image or a volume). */
  create(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Runs a container to completion, streaming its output. */
  run(spec: ContainerSpec, opts?: StreamHandlers): Promise<ExecResult>;
  tag(image: string, repo: string, tag: string): Promise<void>;
  /** An image's config, layer diff ids, os and architecture (what an image archive built on top of it needs). */
  imageConfig(ref: string): Promise<ImageConfigInfo | undefined>;
  /** The image's filesystem as one tar stream (a created, never started container's export). */
  exportImage(ref: string): Promise<Readable>;
  /** `docker load` of an image archive (docker-save layout); layers the engine has are not read again. */
  loadImage(archive: Readable): Promise<void>;
  /** A new image `repo:tag` = `image` plus labels, no layer copied (label-image.ts); returns its id. */
  labelImage(image: string, ref: { repo: string; tag: string }, labels: Record<string, string>): Promise<string>;
  push(ref: string, opts?: { auth?: RegistryAuth; onProgress?: (line: string) => void }): Promise<{ digest?: string }>;
  removeImage(ref: string, opts?: { force?: boolean }): Promise<void>;
  /**
   * Creates a volume labelled for this run (removed by cleanup), or, with `cache`, a cache
   * volume that outlives runs (`binfarm.cache=<kind>`, never removed by cleanup or sweeps).
   */
  createVolume(
    name: string,
    opts?: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string>; cache?: string },
  ): Promise<string>;
  removeVolume(name: string): Promise<void>;
  listVolumes(filters: { label?: string[]; name?: string[] }): Promise<Array<{ name: string; labels: Record<string, string> }>>;
  /** Removes every container and volume this run created (labels), and runs registered cleanups. */
  cleanup(): Promise<void>;
  /**
   * Registers a cleanup that must run at the end of the run, on error and on SIGINT/SIGTERM
   * (in reverse order of registration, each once). A `resource` is also recorded in the run's
   * record, so that a later run can release it should this process die before cleaning up.
   */
  onCleanup(fn: () => Promise<void> | void, resource?: HostResource): void;
  /** `unix:///var/run/docker.sock`, `tcp://host:2376 (TLS)`, ... for messages. */
  readonly host: string;
  /** The engine runs on this machine: host paths can be bind-mounted into its containers. */
  readonly local: boolean;
  /** The run's AbortSignal, when the engine was created for a run (aborts streaming calls). */
  readonly signal: AbortSignal | undefined;
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
  /** OAuth identity token (credential helpers' `<token>` user); username/password are then empty. */
  identitytoken?: string;
}

/**
 * A host resource a run holds outside Docker (loop device, mount point, temp dir). Recorded in the
 * run's record under the state dir, so a later run can release it when this one died (sweepOrphans).
 */
export interface HostResource {
  kind: 'mount' | 'loop' | 'dir';
  path: string;
  /** For a loop device: its backing file, checked before a sweep detaches it (the number may be reused). */
  backing?: string;
}
