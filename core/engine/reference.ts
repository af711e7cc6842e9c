/**
 * Docker image references, split the way the daemon and `docker login` see them
 * (distribution/reference: the first component is a registry when it has a `.` or `:` or is
 * `localhost`; otherwise the image lives on Docker Hub).
 */
export interface ImageRef {
  /** `docker.io` for Docker Hub, else `host[:port]`. */
  registry: string;
  /** Repository path without the registry, e.g. `gentoo/stage3` or `library/busybox`. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export const DOCKER_HUB = 'docker.io';

export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0] ?? '';
  const hasRegistry = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : DOCKER_HUB;
  let repository = hasRegistry ? rest.slice(first.length + 1) : rest;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
}

/** `repo` and `tag` for the push/pull API (tag defaults to `latest`). */
export function repoAndTag(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon > lastSlash) return { repo: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { repo: noDigest, tag: 'latest' };
}
