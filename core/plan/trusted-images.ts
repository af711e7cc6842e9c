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

/**
 * The images the subjects' states name, inspected one by one (a request each, not a walk over all
 * of the engine's images): key → image, under the rules of subjectImages — this farm's, carrying a
 * key, promoted or vouched for by the state that names exactly it. Undefined when a subject has no
 * state. The plan uses it only when it lets every subject skip; then each subject's image is an
 * image the lists would have trusted for its key, so the lists are not needed (core/plan/plan.ts).
 */
export async function statedImages(
  engine: Engine,
  states: readonly (SubjectState | undefined)[],
  imagePrefix?: string,
): Promise<Map<string, ImageInfo> | undefined> {
  if (states.some((s) => !s)) return undefined;
  // A ref the engine cannot inspect (say, a hand-edited state) is an image not found here: the lists decide.
  const found = await Promise.all(states.map((s) => engine.inspectImage(s!.image.ref).catch(() => undefined)));
  const trusted = new Map<string, ImageInfo>();
  states.forEach((s, i) => {
    const img = found[i];
    if (!img || !(imagePrefix === undefined || img.repoTags.some((t) => t.startsWith(`${imagePrefix}/`)))) return;
    const key = img.labels[IMAGE_LABEL.key];
    if (key && (trustedKey(img.labels) || (key === s!.key && sameId(img.id, s!.image.id)))) trusted.set(key, img);
  });
  return trusted;
}
