/**
 * The `tree` key input of a subject at plan time, from its recorded tree slice:
 *  - the tree (and overlays) unchanged since the slice was recorded: the recorded slice digest;
 *  - changed: the recorded packages' slice recomputed under the current tree index (one index
 *    per snapshot, cached), with the packages/eclasses/profiles that differ for `--explain`;
 *  - a state without a slice (written before slices existed): the whole-tree digest it recorded;
 *  - no state, but an image of the subject: the slice of its `binfarm.packages` label.
 * It never depends on which targets were named: only on the subject's own record and the sources.
 */
import type { ImageInfo } from '../engine/types.ts';
import type { ResolvedSources } from '../sources/types.ts';
import { IMAGE_LABEL, splitList } from './image-labels.ts';
import type { SubjectState } from './state.ts';
import { computeSlice, cpnOf, diffSlices, sliceDigest } from './tree-slice.ts';
import type { StaleReason } from './types.ts';

export interface TreeInput {
  /** The input value; undefined: not known before the build (see `why`). */
  value?: string;
  why?: 'unknown' | 'no-state';
  /** What changed inside the slice (replaces the bare `tree changed` reason). */
  details?: StaleReason[];
}

export async function treeInput(state: SubjectState | undefined, sources: ResolvedSources, treeDigest: string | undefined): Promise<TreeInput> {
  const recorded = state?.treeSlice;
  if (state && !recorded) return treeDigest ? { value: treeDigest } : { why: 'unknown' };
  if (!recorded) return { why: treeDigest ? 'no-state' : 'unknown' };
  if (treeDigest === recorded.treeDigest) return { value: recorded.digest };
  if (!treeDigest) return { why: 'unknown' };
  const indexes = await sources.indexes();
  if (!indexes) return { why: 'unknown' };
  const now = computeSlice(recorded.packages, indexes);
  return { value: sliceDigest(now), details: diffSlices(recorded.slice, now) };
}

/** State lost: the tree input an existing image of the subject would have, from its package label. */
export async function treeInputOfImage(image: ImageInfo, sources: ResolvedSources): Promise<string | undefined> {
  const indexes = await sources.indexes();
  if (!indexes) return undefined;
  return sliceDigest(computeSlice(splitList(image.labels[IMAGE_LABEL.packages]).map(cpnOf), indexes));
}
