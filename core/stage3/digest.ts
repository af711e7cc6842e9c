/** The identity of a registry stage3 (core/stage3/resolve.ts, core/stage3/locked.ts, the offline digest of `plan`). */
import type { ImageInfo } from '../engine/types.ts';
import { parseImageRef } from '../engine/reference.ts';

/** The digest a registry image is known by: its RepoDigest for this repository, else its image id. */
export function registryDigest(ref: string, info: ImageInfo): string {
  const { registry, repository } = parseImageRef(ref);
  const repoName = registry === 'docker.io' ? repository.replace(/^library\//, '') : `${registry}/${repository}`;
  const repoDigest = info.repoDigests.find((d) => d.startsWith(`${repoName}@`) || d.startsWith(`${registry}/${repository}@`)) ?? info.repoDigests[0];
  return repoDigest ? repoDigest.slice(repoDigest.indexOf('@') + 1) : info.id;
}
