/**
 * `planRun`: the subjects a run must build, parents first. A subject is skipped when an image
 * labelled with its content key exists and its binpkgs are still in its binhost partition;
 * otherwise it is built, with the reasons `plan --explain` prints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Farm } from '../farm.ts';
import type { Engine, ImageInfo } from '../engine/types.ts';
import { resolveStateDir } from '../run/paths.ts';
import { stableHash } from '../util/hash.ts';
import type { BinfarmOptions } from '../config/schema/index.ts';
import { planOrder } from './dag.ts';
import { diffInputs, unknownReasons } from './explain.ts';
import { IMAGE_LABEL, splitList } from './image-labels.ts';
import { computeKey, type KeyComputation } from './key.ts';
import { readSubjectState, type SubjectState } from './state.ts';
import type { RunPlan, StaleReason, SubjectPlan } from './types.ts';

export interface PlanOptions {
  /** Keep the full input maps in the plan (they are always computed; this is for printers). */
  explain?: boolean;
  /** Do not touch Docker: decide from the state directory alone. */
  offline?: boolean;
  /** The engine, for the image check. Without it the plan trusts the state directory. */
  engine?: () => Promise<Engine>;
}

/** Hashes of the source settings the recorded stage3/tree digests belong to. */
export function sourceHashes(options: BinfarmOptions): { stage3: string; tree: string } {
  return { stage3: stableHash(options.stage3), tree: stableHash({ tree: options.tree, overlays: options.overlays }) };
}

export async function planRun(farm: Farm, targets: string[], opts: PlanOptions = {}): Promise<RunPlan> {
  const subjects = farm.subjects();
  const requested = targets.length ? targets : (farm.options.targets ?? [...subjects.keys()]);
  const ordered = planOrder(subjects, requested);
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const states = new Map<string, SubjectState | undefined>();
  await Promise.all(ordered.map(async ({ subject }) => states.set(subject.name, await readSubjectState(stateDir, subject.name))));
  const digests = recordedDigests(farm.options, [...states.values()]);

  const notes: string[] = [];
  let images: Map<string, ImageInfo> | undefined;
  if (opts.engine && !opts.offline) {
    const engine = await opts.engine();
    images = new Map();
    for (const img of await engine.listImages({ label: [IMAGE_LABEL.key] })) {
      const key = img.labels[IMAGE_LABEL.key];
      if (key) images.set(key, img);
    }
  } else {
    notes.push('images were not checked against Docker; skips rely on the state directory');
  }

  const plans = new Map<string, SubjectPlan>();
  const order: SubjectPlan[] = [];
  for (const { subject, depth } of ordered) {
    const parentPlan = subject.parent === null ? undefined : plans.get(subject.parent);
    const comp = await computeKey(
      farm,
      subject,
      { parentKey: subject.parent === null ? null : parentPlan?.key, stage3Digest: digests.stage3, treeDigest: digests.tree },
      stateDir,
    );
    const state = states.get(subject.name);
    const decision = decide(comp, state, images, parentPlan?.action);
    const plan: SubjectPlan = {
      subject,
      key: comp.key,
      inputs: comp.inputs,
      action: decision.reasons.length ? 'build' : 'skip',
      reasons: decision.reasons,
      depth,
      partition: comp.partition.dir,
      ...(decision.image ? { image: decision.image } : {}),
      ...(comp.unknown.length ? { unknown: comp.unknown } : {}),
    };
    plans.set(subject.name, plan);
    order.push(plan);
  }
  return { requested, order, checkedImages: images !== undefined, ...(notes.length ? { notes } : {}) };
}

interface Decision {
  reasons: StaleReason[];
  image?: { ref: string; id: string };
}

function decide(
  comp: KeyComputation,
  state: SubjectState | undefined,
  images: Map<string, ImageInfo> | undefined,
  parentAction: 'build' | 'skip' | undefined,
): Decision {
  if (!comp.key) return { reasons: unknownReasons(comp.unknown, parentAction) };
  const image = images?.get(comp.key);
  const sameKey = state?.key === comp.key;
  if (!sameKey) {
    // The state may be lost or stale while the image of this key exists: trust its labels.
    if (image) {
      const files = splitList(image.labels[IMAGE_LABEL.binpkgs]);
      const missing = missingBinpkgs(comp.partition.dir, files);
      return missing.length ? { reasons: [binpkgsMissing(missing, files.length)] } : { reasons: [], image: imageRef(image, comp) };
    }
    if (!state) return { reasons: [{ input: 'state', change: 'no previous build' }] };
    return { reasons: diffInputs(state.inputs, comp.inputs) };
  }
  if (images && !image) return { reasons: [{ input: 'image', change: 'image missing', before: state.image.ref }] };
  const missing = missingBinpkgs(state.partition.dir, state.packages);
  if (missing.length) return { reasons: [binpkgsMissing(missing, state.packages.length)] };
  return { reasons: [], image: image ? imageRef(image, comp) : state.image };
}

function binpkgsMissing(missing: string[], total: number): StaleReason {
  return { input: 'binpkgs', change: 'binpkgs missing', before: `${missing.length} of ${total}`, after: missing.slice(0, 3).join(' ') };
}

function imageRef(image: ImageInfo, comp: KeyComputation): { ref: string; id: string } {
  const wanted = image.repoTags.find((t) => t.endsWith(`:${comp.key!.slice(0, 12)}`)) ?? image.repoTags[0] ?? image.id;
  return { ref: wanted, id: image.id };
}

function missingBinpkgs(partitionDir: string, files: string[]): string[] {
  return files.filter((f) => !existsSync(join(partitionDir, f)));
}

/**
 * The stage3 and tree digests the last run recorded, when the settings they came from are
 * unchanged; undefined means "unknown until fetched".
 */
function recordedDigests(options: BinfarmOptions, states: Array<SubjectState | undefined>): { stage3?: string; tree?: string } {
  const now = sourceHashes(options);
  const newest = states.filter((s): s is SubjectState => !!s).sort((a, b) => (a.builtAt < b.builtAt ? 1 : -1));
  const stage3 = newest.find((s) => s.sources.stage3 === now.stage3 && s.inputs.stage3)?.inputs.stage3;
  const tree = newest.find((s) => s.sources.tree === now.tree && s.inputs.tree)?.inputs.tree;
  return { ...(stage3 ? { stage3 } : {}), ...(tree ? { tree } : {}) };
}
