/**
 * `planRun`: the subjects a run must build, parents first. A subject is skipped when an image
 * labelled with its content key exists and its binpkgs are still in its binhost partition;
 * otherwise it is built, with the reasons `plan --explain` prints.
 */
import type { FarmContext } from '../types.ts';
import type { Engine, ImageInfo } from '../engine/types.ts';
import { resolveStateDir } from '../run/paths.ts';
import { stableHash } from '../util/hash.ts';
import type { BinfarmOptions } from '../config/schema/index.ts';
import { planOrder } from './dag.ts';
import { BinpkgCheck } from './binpkg-check.ts';
import { diffInputs, unknownReasons } from './explain.ts';
import { IMAGE_LABEL, splitList } from './image-labels.ts';
import { computeKey, type KeyComputation } from './key.ts';
import { readSubjectState, type SubjectState } from './state.ts';
import { statedImages, subjectImages } from './trusted-images.ts';
import { resolveCacheDir } from '../run/paths.ts';
import type { ResolvedSources } from '../sources/types.ts';
import { treeInput, treeInputOfImage } from './tree-input.ts';
import type { RunPlan, StaleReason, SubjectPlan } from './types.ts';
import { treeIdentity } from '../tree/node-tree.ts';

export interface PlanOptions {
  /** Keep the full input maps in the plan (they are always computed; this is for printers). */
  explain?: boolean;
  /** Do not touch Docker: decide from the state directory alone. */
  offline?: boolean;
  /** The engine, for the image check. Without it the plan trusts the state directory. */
  engine?: () => Promise<Engine>;
  /** The sources the run resolved (core/sources/resolve.ts); default: resolved here without network. */
  sources?: ResolvedSources;
}

/** Hashes of the source settings the recorded stage3/tree digests belong to. */
export function sourceHashes(options: BinfarmOptions): { stage3: string; tree: string } {
  // Without the node keys (tree.nodePath): where nodes find a copy is not what the tree is.
  const overlays = options.overlays.map((o) => ({ ...o, source: treeIdentity(o.source) }));
  return { stage3: stableHash(options.stage3), tree: stableHash({ tree: treeIdentity(options.tree), overlays }) };
}

export async function planRun(farm: FarmContext, targets: string[], opts: PlanOptions = {}): Promise<RunPlan> {
  const subjects = farm.subjects();
  const requested = targets.length ? targets : (farm.options.targets ?? [...subjects.keys()]);
  const ordered = planOrder(subjects, requested);
  const stateDir = resolveStateDir(farm.options, farm.rootDir);
  const states = new Map<string, SubjectState | undefined>();
  // Every subject's state, named or not: the fallback digests must not depend on the targets.
  await Promise.all([...subjects.keys()].map(async (name) => states.set(name, await readSubjectState(stateDir, name))));
  const notes: string[] = [];
  const sources = opts.sources ?? (await planSources(farm, opts));
  const digests = { ...recordedDigests(farm.options, [...states.values()]), ...definedOnly({ stage3: sources.stage3, tree: sources.tree }) };
  notes.push(...sources.notes.map((n) => (digests.stage3 && n.startsWith('stage3') ? `${n}; using the digest the last build recorded` : n)));

  const binpkgs = new BinpkgCheck(stateDir);
  // With every state there, each subject's key does not depend on the images: computed once for both walks below.
  const keys = new Map<string, { tree: Awaited<ReturnType<typeof subjectTreeInput>>; comp: KeyComputation }>();
  const walk = async (images: Map<string, ImageInfo> | undefined, pending: Map<string, ImageInfo> | undefined) => {
    const plans = new Map<string, SubjectPlan>();
    const order: SubjectPlan[] = [];
    for (const { subject, depth } of ordered) {
      const parentPlan = subject.parent === null ? undefined : plans.get(subject.parent);
      const state = states.get(subject.name);
      const known = keys.get(subject.name);
      const tree = known?.tree ?? (await subjectTreeInput(subject.name, state, sources, digests.tree, images));
      const comp =
        known?.comp ??
        (await computeKey(
          farm,
          subject,
          { parentKey: subject.parent === null ? null : parentPlan?.key, stage3Digest: digests.stage3, treeDigest: tree.value },
          stateDir,
        ));
      if (state) keys.set(subject.name, { tree, comp });
      const decision = await decide(comp, state, images, parentPlan?.action, binpkgs);
      explainTree(decision.reasons, tree);
      const untested = comp.key && decision.reasons.length ? pending?.get(comp.key) : undefined;
      if (untested) decision.reasons.unshift({ input: 'image', change: 'smoke tests never passed', before: untested.repoTags[0] ?? untested.id });
      const plan: SubjectPlan = {
        subject,
        key: comp.key,
        inputs: comp.inputs,
        action: decision.reasons.length ? 'build' : 'skip',
        reasons: decision.reasons,
        depth,
        partition: comp.partition.dir,
        portage: { model: comp.model, files: comp.files },
        ...(decision.image ? { image: decision.image } : {}),
        ...(comp.unknown.length ? { unknown: comp.unknown } : {}),
      };
      plans.set(subject.name, plan);
      order.push(plan);
    }
    return order;
  };

  if (!opts.engine || opts.offline) {
    notes.push('images were not checked against Docker; skips rely on the state directory');
    return { requested, order: await walk(undefined, undefined), checkedImages: false, ...(notes.length ? { notes } : {}) };
  }
  const engine = await opts.engine();
  // The images the states name, inspected: when they let every subject skip, the plan is the one
  // the image lists would give, without the lists' walk over all of the engine's images (trusted-images.ts).
  const named = await statedImages(engine, ordered.map((o) => states.get(o.subject.name)), farm.options.imagePrefix);
  const quick = named && (await walk(named, undefined));
  if (quick?.every((p) => p.action === 'skip')) return { requested, order: quick, checkedImages: true, ...(notes.length ? { notes } : {}) };
  // Only promoted images (smoke tests passed) count; see trusted-images.ts.
  const { trusted: images, pending } = await subjectImages(engine, states.values(), farm.options.imagePrefix);
  return { requested, order: await walk(images, pending), checkedImages: true, ...(notes.length ? { notes } : {}) };
}

interface Decision {
  reasons: StaleReason[];
  image?: { ref: string; id: string };
}

async function decide(
  comp: KeyComputation,
  state: SubjectState | undefined,
  images: Map<string, ImageInfo> | undefined,
  parentAction: 'build' | 'skip' | undefined,
  binpkgs: BinpkgCheck,
): Promise<Decision> {
  if (!comp.key) return { reasons: unknownReasons(comp.unknown, parentAction) };
  const image = images?.get(comp.key);
  const sameKey = state?.key === comp.key;
  if (!sameKey) {
    // The state may be lost or stale while the image of this key exists: trust its labels.
    if (image) {
      const files = splitList(image.labels[IMAGE_LABEL.binpkgs]);
      const bad = await binpkgs.reasons(comp.partition.dir, comp.partition.rel, files);
      return bad.length ? { reasons: bad } : { reasons: [], image: imageRef(image, comp) };
    }
    if (!state) return { reasons: [{ input: 'state', change: 'no previous build' }] };
    return { reasons: diffInputs(state.inputs, comp.inputs, state.content, comp.content) };
  }
  if (images && !image) return { reasons: [{ input: 'image', change: 'image missing', before: state.image.ref }] };
  const bad = await binpkgs.reasons(state.partition.dir, state.partition.rel, state.packages);
  if (bad.length) return { reasons: bad };
  return { reasons: [], image: image ? imageRef(image, comp) : state.image };
}

function imageRef(image: ImageInfo, comp: KeyComputation): { ref: string; id: string } {
  const wanted = image.repoTags.find((t) => t.endsWith(`:${comp.key!.slice(0, 12)}`)) ?? image.repoTags[0] ?? image.id;
  return { ref: wanted, id: image.id };
}

/** `plan`: the sources resolved without network (Docker only with --docker). */
async function planSources(farm: FarmContext, opts: PlanOptions): Promise<ResolvedSources> {
  const { resolveSources } = await import('../sources/resolve.ts');
  const engine = opts.engine && !opts.offline ? opts.engine : undefined;
  return resolveSources({ options: farm.options, rootDir: farm.rootDir, cacheDir: resolveCacheDir(farm.options, farm.rootDir), engine });
}

/** The subject's tree input; without a state, an image of the subject (state lost) may give it. */
async function subjectTreeInput(
  name: string,
  state: SubjectState | undefined,
  sources: ResolvedSources,
  tree: string | undefined,
  images: Map<string, ImageInfo> | undefined,
) {
  const input = await treeInput(state, sources, tree);
  if (input.why !== 'no-state' || !images) return input;
  for (const img of images.values()) {
    if (img.labels[IMAGE_LABEL.subject] !== name || !img.labels[IMAGE_LABEL.packages]) continue;
    const value = await treeInputOfImage(img, sources);
    if (value) return { value };
  }
  return input;
}

/** `tree: changed` says little: name the packages, eclasses or profiles that changed; a missing state is no "unknown". */
function explainTree(reasons: StaleReason[], tree: Awaited<ReturnType<typeof treeInput>>): void {
  const i = reasons.findIndex((r) => r.input === 'tree');
  if (i < 0) return;
  if (tree.why === 'no-state') reasons.splice(i, 1, ...(reasons.some((r) => r.input === 'state') ? [] : [{ input: 'state', change: 'no previous build' }]));
  else if (tree.details?.length) reasons.splice(i, 1, ...tree.details);
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

/**
 * The stage3 and tree digests the last run recorded, when the settings they came from are
 * unchanged; undefined means "unknown until fetched".
 */
function recordedDigests(options: BinfarmOptions, states: Array<SubjectState | undefined>): { stage3?: string; tree?: string } {
  const now = sourceHashes(options);
  const newest = states.filter((s): s is SubjectState => !!s).sort((a, b) => (a.builtAt < b.builtAt ? 1 : -1));
  const stage3 = newest.find((s) => s.sources.stage3 === now.stage3 && s.inputs.stage3)?.inputs.stage3;
  const tree = newest.find((s) => s.sources.tree === now.tree && (s.treeSlice?.treeDigest ?? s.inputs.tree))?.treeSlice?.treeDigest
    ?? newest.find((s) => s.sources.tree === now.tree && !s.treeSlice && s.inputs.tree)?.inputs.tree;
  return { ...(stage3 ? { stage3 } : {}), ...(tree ? { tree } : {}) };
}
