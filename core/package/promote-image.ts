/**
 * A subject image counts only after its smoke tests passed. The package phase commits the build
 * container *pending*: tagged `<prefix>/<subject>:pending-<key12>`, `binfarm.pending-key` = key,
 * `binfarm.key` and the passed mark blanked (the container inherits its parent image's). After
 * the tests, `promote` labels it with the key and the mark under the final tag
 * `<prefix>/<subject>:<key12>` through a metadata-only build (engine/label-image.ts), so a
 * multi-GB image is not committed twice, and drops the pending tag. A subject without smoke tests
 * is committed promoted at once (commitPromoted).
 * A run killed in between leaves only a pending image, which the planner never skips on
 * (plan/trusted-images.ts): the next run builds the subject again (its binpkgs are in the
 * partition under the same key, so emerge reuses them) and removes the leftover here.
 */
import type { ContainerHandle } from '../engine/types.ts';
import { BinfarmError } from '../errors.ts';
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

/** What the package phase commits: the build container's image, its labels and Dockerfile changes. */
export interface SubjectCommit {
  repo: string;
  key: string;
  labels: Record<string, string>;
  changes: string[];
  comment: string;
}

export async function commitPending(build: SubjectBuild, container: ContainerHandle, opts: SubjectCommit): Promise<PendingImage> {
  const tag = pendingTag(opts.key);
  const id = await commitAs(build, container, opts, tag, { [IMAGE_LABEL.key]: '', [IMAGE_LABEL.tested]: '', [IMAGE_LABEL.pendingKey]: opts.key });
  return { repo: opts.repo, key: opts.key, ref: `${opts.repo}:${tag}`, id };
}

/**
 * A subject without smoke tests has nothing to wait for: its container is committed with the key,
 * the passed mark and the final tag in one commit — what commitPending and promote make, without
 * the pending image in between (a label build and an untag: about a second per subject).
 */
export async function commitPromoted(build: SubjectBuild, container: ContainerHandle, opts: SubjectCommit): Promise<{ ref: string; id: string }> {
  const tag = shortKey(opts.key);
  const id = await commitAs(build, container, opts, tag, promotedMarks(opts.key));
  return { ref: `${opts.repo}:${tag}`, id };
}

/** The labels that make an image count for `key`: the key and the passed mark, no pending key. */
function promotedMarks(key: string): Record<string, string> {
  return { [IMAGE_LABEL.key]: key, [IMAGE_LABEL.tested]: key, [IMAGE_LABEL.pendingKey]: '' };
}

/** Commits under `<repo>:<tag>` with the labels and the key marks given, after removing leftover pending images. */
async function commitAs(build: SubjectBuild, container: ContainerHandle, opts: SubjectCommit, tag: string, marks: Record<string, string>): Promise<string> {
  await removeLeftoverPending(build, opts.repo);
  return container.commit({ repo: opts.repo, tag, labels: { ...opts.labels, ...marks }, changes: opts.changes, comment: opts.comment });
}

/** Gives the tested image its key, the passed mark and the final tag; returns the promoted image. */
export async function promote(build: SubjectBuild, pending: PendingImage): Promise<{ ref: string; id: string }> {
  const engine = await build.run.engine();
  const tag = shortKey(pending.key);
  build.progress.title(`promote ${pending.repo}:${tag}`);
  const id = await engine.labelImage(pending.id, { repo: pending.repo, tag }, promotedMarks(pending.key));
  // Untags only: the pending image is the promoted one's parent and keeps existing under it.
  await engine.removeImage(pending.ref).catch((e: unknown) => build.logger.warn(`could not remove the tag ${pending.ref}: ${(e as Error).message}`));
  return { ref: `${pending.repo}:${tag}`, id };
}

/** Discards a pending image whose smoke tests failed. */
export async function discardPending(build: SubjectBuild, pending: PendingImage): Promise<void> {
  const engine = await build.run.engine();
  await engine.removeImage(pending.ref, { force: true }).catch((e: unknown) => build.logger.warn(`could not remove ${pending.ref}: ${(e as Error).message}`));
}

/**
 * `run.keepFailed`: the image that failed its smoke tests is kept as `<repo>:failed-<runId>` for a
 * look inside (it keeps the blank key and passed mark, so nothing ever skips on it). Returns the
 * smoke error with the kept image named in its hint.
 */
export async function keepFailedPending(build: SubjectBuild, pending: PendingImage, error: unknown): Promise<unknown> {
  const engine = await build.run.engine();
  const tag = `failed-${build.run.runId}`;
  try {
    await engine.tag(pending.id, pending.repo, tag);
    await engine.removeImage(pending.ref).catch(() => undefined);
  } catch (e) {
    build.logger.warn(`could not keep the image that failed its smoke tests: ${(e as Error).message}`);
    await discardPending(build, pending);
    return error;
  }
  const kept = `${pending.repo}:${tag}`;
  build.progress.output(`kept the image that failed its smoke tests as ${kept}`);
  if (error instanceof BinfarmError) {
    return new BinfarmError(error.code, error.message, {
      cause: error.cause,
      details: { ...error.details, kept },
      hint: `The image was kept as ${kept} (run.keepFailed): \`binfarm shell --failed ${build.subject.name}\` opens a shell in it with the tree mounted; the run will rebuild the subject.`,
    });
  }
  return error;
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
