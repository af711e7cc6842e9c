/**
 * The subject images a plan may skip on: only images whose smoke tests passed. Pending images
 * (committed, not promoted: a run died during the smoke tests) are listed apart so the plan can
 * say why their subject is built again.
 */
import type { Engine, ImageInfo } from '../engine/types.ts';
import { IMAGE_LABEL, trustedKey } from './image-labels.ts';
import type { SubjectState } from './state.ts';

export interface SubjectImages {
  /** key → promoted image. */
  trusted: Map<string, ImageInfo>;
  /** key → pending image (never skipped on). */
  pending: Map<string, ImageInfo>;
}

/**
 * `imagePrefix` limits the plan to this farm's repositories: another farm on the same engine may
 * have an image with the same key, but it passed *its* smoke tests (they are not in the key) and
 * its binpkgs are in another binhost.
 */
export async function subjectImages(engine: Engine, states: Iterable<SubjectState | undefined>, imagePrefix?: string): Promise<SubjectImages> {
  const trusted = new Map<string, ImageInfo>();
  const unmarked = new Map<string, ImageInfo[]>();
  const ours = (img: ImageInfo) => imagePrefix === undefined || img.repoTags.some((t) => t.startsWith(`${imagePrefix}/`));
  // Both lists at once: each costs the engine a walk over all its images (docs/internals/startup.md).
  const [keyed, pendingImages] = await Promise.all([engine.listImages({ label: [IMAGE_LABEL.key] }), engine.listImages({ label: [IMAGE_LABEL.pendingKey] })]);
  for (const img of keyed) {
    if (!ours(img)) continue;
    const key = img.labels[IMAGE_LABEL.key];
    if (!key) continue; // pending, failed or assembled images blank the key they inherit
    if (trustedKey(img.labels)) trusted.set(key, img);
    else unmarked.set(key, [...(unmarked.get(key) ?? []), img]);
  }
  // Before the passed mark existed the state file was written only after the smoke tests: an
  // unmarked image is trusted when the state records exactly that image for that key.
  for (const s of states) {
    if (!s || trusted.has(s.key)) continue;
    const vouched = unmarked.get(s.key)?.find((img) => sameId(img.id, s.image.id));
    if (vouched) trusted.set(s.key, vouched);
  }
  const pending = new Map<string, ImageInfo>();
  for (const img of pendingImages) {
    if (!ours(img)) continue;
    const key = img.labels[IMAGE_LABEL.pendingKey];
    if (key && !img.labels[IMAGE_LABEL.key]) pending.set(key, img);
  }
  return { trusted, pending };
}

function sameId(a: string, b: string): boolean {
  return !!a && !!b && a.replace(/^sha256:/, '') === b.replace(/^sha256:/, '');
}
