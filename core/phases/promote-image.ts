/**
 * A subject image counts only after its smoke tests passed. The package phase commits the build
 * container *pending*: tagged `<prefix>/<subject>:pending-<key12>`, `binfarm.pending-key` = key,
 * `binfarm.key` and the passed mark blanked (the container inherits its parent image's). After
 * the tests, `promote` labels it with the key and the mark under the final tag
 * `<prefix>/<subject>:<key12>` through a metadata-only build (engine/label-image.ts), so a
 * multi-GB image is not committed twice, and drops the pending tag.
 * A run killed in between leaves only a pending image, which the planner never skips on
 * (plan/trusted-images.ts): the next run builds the subject again (its binpkgs are in the
 * partition under the same key, so emerge reuses them) and removes the leftover here.
 */
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { IMAGE_LABEL } from '../plan/image-labels.ts';
import { shortKey } from '../plan/key.ts';

export interface PendingImage {
  repo: string;
  key: string;
  ref: string;
  id: string;
}

export function pendingTag(key: string): string {
  return `pending-${shortKey(key)}`;
}

export async function commitPending(
  build: SubjectBuild,
  container: ContainerHandle,
  opts: { repo: string; key: string; labels: Record<string, string>; changes: string[]; comment: string },
): Promise<PendingImage> {
  await removeLeftoverPending(build, opts.repo);
  const tag = pendingTag(opts.key);
  const labels = { ...opts.labels, [IMAGE_LABEL.key]: '', [IMAGE_LABEL.tested]: '', [IMAGE_LABEL.pendingKey]: opts.key };
  const id = await container.commit({ repo: opts.repo, tag, labels, changes: opts.changes, comment: opts.comment });
  return { repo: opts.repo, key: opts.key, ref: `${opts.repo}:${tag}`, id };
}

/** Gives the tested image its key, the passed mark and the final tag; returns the promoted image. */
export async function promote(build: SubjectBuild, pending: PendingImage): Promise<{ ref: string; id: string }> {
  const engine = await build.run.engine();
  const tag = shortKey(pending.key);
  build.progress.title(`promote ${pending.repo}:${tag}`);
  const id = await engine.labelImage(pending.id, { repo: pending.repo, tag }, {
    [IMAGE_LABEL.key]: pending.key,
    [IMAGE_LABEL.tested]: pending.key,
    [IMAGE_LABEL.pendingKey]: '',
  });
  // Untags only: the pending image is the promoted one's parent and keeps existing under it.
  await engine.removeImage(pending.ref).catch((e: unknown) => build.logger.warn(`could not remove the tag ${pending.ref}: ${(e as Error).message}`));
  return { ref: `${pending.repo}:${tag}`, id };
}

/** Discards a pending image whose smoke tests failed. */
export async function discardPending(build: SubjectBuild, pending: PendingImage): Promise<void> {
  const engine = await build.run.engine();
  await engine.removeImage(pending.ref, { force: true }).catch((e: unknown) => build.logger.warn(`could not remove ${pending.ref}: ${(e as Error).message}`));
}

/** Pending images of this subject left by a run that died during its smoke tests. */
async function removeLeftoverPending(build: SubjectBuild, repo: string): Promise<void> {
  const engine = await build.run.engine();
  const left = await engine.listImages({ label: [`${IMAGE_LABEL.subject}=${build.subject.name}`, IMAGE_LABEL.pendingKey] });
  for (const img of left) {
    if (!img.labels[IMAGE_LABEL.pendingKey] || img.labels[IMAGE_LABEL.key]) continue;
    for (const ref of img.repoTags.filter((t) => t.startsWith(`${repo}:pending-`))) {
      build.logger.info(`removing ${ref}, left untested by an earlier run`);
      await engine.removeImage(ref, { force: true }).catch((e: unknown) => build.logger.warn(`could not remove ${ref}: ${(e as Error).message}`));
    }
  }
}
