/**
 * Image operations of the Docker adapter: inspect, list, pull, import, export, load, tag, label,
 * push and remove. Queries go through the engine API (engine-api.ts); the rest load dockerode.
 */
import type { Readable } from 'node:stream';
import type { DockerSession } from './docker-session.ts';
import type { Filters } from './engine-api.ts';
import { translateDockerError } from './errors.ts';
import { buildLabelledImage } from './label-image.ts';
import { LABEL, labelChanges } from './labels.ts';
import { followProgress, layerProgressReporter } from './progress.ts';
import { repoAndTag } from './reference.ts';
import { resolveRegistryAuth } from './registry-auth.ts';
import type { ImageConfigInfo, ImageInfo, RegistryAuth } from './types.ts';

export async function inspectImage(d: DockerSession, ref: string): Promise<ImageInfo | undefined> {
  try {
    const i = await d.api.inspectImage(ref);
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
    d.fail(e, 'inspect image', ref);
  }
}

export async function imageConfig(d: DockerSession, ref: string): Promise<ImageConfigInfo | undefined> {
  try {
    const i = await d.api.inspectImage(ref);
    const config = (i.Config ?? {}) as unknown as Record<string, unknown>;
    return { id: i.Id, config, diffIds: i.RootFS?.Layers ?? [], os: i.Os ?? 'linux', architecture: i.Architecture ?? 'amd64' };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    d.fail(e, 'inspect image', ref);
  }
}

export async function exportImage(d: DockerSession, ref: string): Promise<Readable> {
  try {
    // Never started: no process runs; the container is removed when the stream ends (or by cleanup).
    const docker = await d.dockerode();
    const c = await docker.createContainer({ Image: ref, Cmd: ['/nonexistent'], Labels: d.labels({ [LABEL.owned]: '1' }), NetworkDisabled: true });
    d.live.add(c.id);
    const stream = (await c.export()) as unknown as Readable;
    const remove = () => {
      d.live.delete(c.id);
      c.remove({ force: true }).catch(() => undefined);
    };
    stream.once('close', remove);
    stream.once('end', remove);
    return stream;
  } catch (e) {
    d.fail(e, 'export image', ref);
  }
}

export async function loadImage(d: DockerSession, archive: Readable): Promise<void> {
  try {
    const docker = await d.dockerode();
    const stream = await docker.loadImage(archive as unknown as NodeJS.ReadableStream, { quiet: true } as Record<string, unknown>);
    await followProgress(docker, stream, { action: 'load image', host: d.host });
  } catch (e) {
    d.fail(e, 'load image');
  }
}

async function mustInspect(d: DockerSession, ref: string, action: string): Promise<ImageInfo> {
  const info = await inspectImage(d, ref);
  if (!info) throw translateDockerError(Object.assign(new Error(`No such image: ${ref}`), { statusCode: 404 }), { action, ref, host: d.host });
  return info;
}

export async function listImages(d: DockerSession, filters: { label?: string[]; reference?: string[] }): Promise<ImageInfo[]> {
  try {
    const list = await d.api.listImages(filters as Filters);
    return list.map((i) => ({
      id: i.Id,
      repoTags: i.RepoTags ?? [],
      repoDigests: i.RepoDigests ?? [],
      labels: i.Labels ?? {},
      size: i.Size,
      created: i.Created as number,
    }));
  } catch (e) {
    d.fail(e, 'list images');
  }
}

export async function pull(d: DockerSession, ref: string, opts: { onProgress?: (line: string) => void; signal?: AbortSignal } = {}): Promise<ImageInfo> {
  const auth = await resolveRegistryAuth(ref, d.env);
  const ctx = { action: 'pull', ref, host: d.host };
  try {
    const pullOpts: Record<string, unknown> = {};
    if (auth) pullOpts.authconfig = auth;
    const signal = opts.signal ?? d.signal;
    if (signal) pullOpts.abortSignal = signal;
    const docker = await d.dockerode();
    const stream = await docker.pull(ref, pullOpts);
    await followProgress(docker, stream, ctx, opts.onProgress ? layerProgressReporter(ref, opts.onProgress) : undefined);
  } catch (e) {
    d.fail(e, 'pull', ref);
  }
  return mustInspect(d, ref, 'pull');
}

export async function importTarball(
  d: DockerSession,
  tar: Readable,
  ref: { repo: string; tag: string },
  labels: Record<string, string> = {},
  opts: { changes?: string[] } = {},
): Promise<ImageInfo> {
  const name = `${ref.repo}:${ref.tag}`;
  const ctx = { action: 'import', ref: name, host: d.host };
  try {
    const importOpts: Record<string, unknown> = {
      repo: ref.repo,
      tag: ref.tag,
      changes: [...labelChanges({ ...labels, [LABEL.owned]: '1' }), ...(opts.changes ?? [])],
    };
    if (d.signal) importOpts.abortSignal = d.signal;
    const docker = await d.dockerode();
    const stream = await docker.importImage(tar as unknown as NodeJS.ReadableStream, importOpts);
    await followProgress(docker, stream, ctx);
  } catch (e) {
    d.fail(e, 'import', name);
  }
  return mustInspect(d, name, 'import');
}

export async function tag(d: DockerSession, image: string, repo: string, tag: string): Promise<void> {
  try {
    await (await d.dockerode()).getImage(image).tag({ repo, tag });
  } catch (e) {
    d.fail(e, 'tag', image);
  }
}

export async function labelImage(d: DockerSession, image: string, ref: { repo: string; tag: string }, labels: Record<string, string>): Promise<string> {
  try {
    return await buildLabelledImage(await d.dockerode(), image, ref, labels);
  } catch (e) {
    d.fail(e, 'label image', `${ref.repo}:${ref.tag}`);
  }
}

export async function push(
  d: DockerSession,
  ref: string,
  opts: { auth?: RegistryAuth; onProgress?: (line: string) => void } = {},
): Promise<{ digest?: string }> {
  const auth = opts.auth ?? (await resolveRegistryAuth(ref, d.env));
  const { repo, tag } = repoAndTag(ref);
  const ctx = { action: 'push', ref, host: d.host, credentials: opts.auth ? ('config' as const) : auth ? ('docker' as const) : ('none' as const) };
  let digest: string | undefined;
  try {
    const pushOpts: Record<string, unknown> = { tag };
    // The daemon wants an X-Registry-Auth header even for anonymous pushes.
    pushOpts.authconfig = auth ?? {};
    if (d.signal) pushOpts.abortSignal = d.signal;
    const docker = await d.dockerode();
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

export async function removeImage(d: DockerSession, ref: string, opts: { force?: boolean } = {}): Promise<void> {
  try {
    await (await d.dockerode()).getImage(ref).remove({ force: opts.force ?? false });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return;
    d.fail(e, 'remove image', ref);
  }
}

/** Docker reports Cmd/Entrypoint as an argv array, a string (shell form) or null. */
function toArgv(v: string | string[] | null | undefined): string[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v : ['/bin/sh', '-c', v];
}
