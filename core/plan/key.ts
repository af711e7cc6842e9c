/**
 * Content keys (docs/internals/architecture.md#content-key). A subject's key is the hash of everything its image
 * and binpkgs are made from: the parent's key, the stage3 digest (base), the tree snapshot
 * digest, the rendered /etc/portage files minus tuning knobs (core/plan/file-inputs.ts), its
 * sets, every overlay and context file, the versions of the plugins that contributed to it
 * (core/plan/plugin-inputs.ts), the binfarm version and the build type, plus whatever plugins
 * add through `hooks.keyInputs` (adding only). Each input keeps its own digest so
 * `plan --explain` can name what changed.
 */
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import type { PortageModel } from '../portage/model.ts';
import type { RunContext, SubjectBuild } from '../run/context.ts';
import type { Subject } from '../subject/types.ts';
import { sha256, stableHash, stableStringify } from '../util/hash.ts';
import { partitionOf, type Partition } from '../binhost/partition.ts';
import { binfarmVersion } from './binfarm-version.ts';
import { renderSubject } from '../portage/render-subject.ts';
import { portageOfBuild } from '../portage/portage-of-build.ts';
import { hashTree } from './tree-digest.ts';
import { fileInputs, type KeyContent } from './file-inputs.ts';
import { pluginInputs } from './plugin-inputs.ts';
import { guardKeyInputs } from '../hook-contributions.ts';

/** Shown where a digest is not known before the stage3 or the tree was fetched once. */
export const UNKNOWN = 'unknown until fetched';

export interface KeyBasis {
  /** Key of the parent; `null` for the base; `undefined` when the parent's key is not known yet. */
  parentKey: string | null | undefined;
  /** Digest of the resolved stage3 (the base only). */
  stage3Digest?: string | undefined;
  /** Digest of the subject's tree slice (core/plan/tree-slice.ts): the part of the tree it emerged from. */
  treeDigest?: string | undefined;
}

export interface KeyComputation {
  /** undefined while an input is still unknown (see `unknown`). */
  key: string | undefined;
  inputs: Record<string, string>;
  /** Names of the inputs that are not known yet. */
  unknown: string[];
  model: PortageModel;
  files: Map<string, string>;
  /** Diffable content of keyed files (`file:<path>` → make.conf variables or package.* lines), for the state. */
  content: Record<string, KeyContent>;
  partition: Partition;
}

/** Short form of a key or digest for tags and messages. */
export function shortKey(key: string): string {
  return key.slice(0, 12);
}

/** `rendered`: the subject's Portage model when the caller has it (a build's, core/portage/portage-of-build.ts); rendered here otherwise. */
export async function computeKey(
  farm: FarmContext,
  subject: Subject,
  basis: KeyBasis,
  stateDir: string,
  rendered?: { model: PortageModel; files: Map<string, string> },
): Promise<KeyComputation> {
  const { model, files } = rendered ?? (await renderSubject(farm, subject));
  const inputs: Record<string, string> = {};
  const unknown: string[] = [];
  const put = (name: string, value: string | undefined | null): void => {
    if (value === undefined || value === null) {
      inputs[name] = UNKNOWN;
      unknown.push(name);
    } else inputs[name] = value;
  };

  if (subject.parent !== null) put('parent', basis.parentKey);
  else put('stage3', basis.stage3Digest);
  put('tree', basis.treeDigest);
  const keyed = fileInputs(files);
  Object.assign(inputs, keyed.inputs);
  for (const [name, atoms] of Object.entries(subject.sets)) inputs[`set:${name}`] = stableHash(atoms);
  for (const dir of subject.overlays) Object.assign(inputs, await hashTree(farm.rootDir, dir, 'overlay', `overlay of subject "${subject.name}"`));
  if (subject.context) Object.assign(inputs, await hashTree(farm.rootDir, subject.context, 'context', `context of subject "${subject.name}"`));
  if (subject.labels && Object.keys(subject.labels).length) inputs.labels = stableHash(subject.labels);
  Object.assign(inputs, pluginInputs(farm, subject.name));
  inputs.binfarm = binfarmVersion();
  inputs.buildType = farm.options.portage.buildType;

  const builtin = Object.freeze({ ...inputs });
  const tapped = guardKeyInputs(farm.hooks, subject.name, builtin, () => farm.hooks.keyInputs.call({ ...inputs }, { subject, options: farm.options }));
  // plugins whose keyInputs taps added an input count as contributors too
  const contributed: Record<string, string> = { ...tapped, ...pluginInputs(farm, subject.name) };
  for (const [name, value] of Object.entries(contributed)) {
    if (typeof value !== 'string') {
      throw new BinfarmError('E_PLUGIN', `a keyInputs tap returned a non-string value for input "${name}" of subject "${subject.name}"`, {
        hint: 'Key inputs map a name to a digest or a short value string.',
      });
    }
  }
  const key = unknown.length ? undefined : sha256(stableStringify(contributed));
  return { key, inputs: contributed, unknown, model, files, content: keyed.content, partition: partitionOf(farm.options, stateDir, model) };
}

/**
 * The key of a build with the real digests (the runner calls this after the emerge phase, when
 * the tree slice is known). Sets `build.key` and `build.partition`; the inputs go to
 * `build.data.get('binfarm:key')` for the state file.
 */
export async function computeSubjectKey(build: SubjectBuild, farm: FarmContext | undefined = farmOf(build.run)): Promise<string> {
  if (!farm) throw new BinfarmError('E_INTERNAL', 'computeSubjectKey needs the farm: set RunContext.farm');
  const parentKey = build.subject.parent === null ? null : build.parent?.key;
  // The tree input is the subject's tree slice (what it emerged), not the whole tree's digest.
  const treeDigest = (await (await import('./tree-slice-build.ts')).treeSliceOf(build))?.digest ?? build.tree?.digest;
  // The build's own rendering: the files hashed here are the ones applyPatches applied.
  const portage = await portageOfBuild(build, farm);
  const result = await computeKey(farm, build.subject, { parentKey, stage3Digest: build.stage3Digest, treeDigest }, build.run.stateDir, portage);
  if (!result.key) {
    throw new BinfarmError('E_PLAN', `the content key of subject "${build.subject.name}" cannot be computed: ${result.unknown.join(', ')} unknown`, {
      hint: result.unknown.includes('parent')
        ? `The parent "${build.subject.parent}" has no key in this run; build it first.`
        : 'fetchStage3 and mountPortage must set build.stage3Digest (base) and build.tree.digest before the key is computed.',
    });
  }
  build.key = result.key;
  build.partition = result.partition.dir;
  build.data.set(KEY_DATA, { inputs: result.inputs, content: result.content, partition: result.partition } satisfies KeyData);
  return result.key;
}

/** The farm of a run (RunContext.farm, set by createRunContext). */
export function farmOf(run: RunContext): FarmContext | undefined {
  return run.farm;
}

export const KEY_DATA = 'binfarm:key';

export interface KeyData {
  inputs: Record<string, string>;
  /** Diffable content of keyed files, recorded in the state for `plan --explain`. */
  content?: Record<string, KeyContent>;
  partition: Partition;
}
