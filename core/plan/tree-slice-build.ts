/**
 * The tree slice of a subject built in this run, computed after its emerge (the runner's re-key
 * step): the packages it emerged (the emerge record's built + binary cpvs; for the base with
 * `base.updateWorld`, every installed package, listed from /var/db/pkg in the build container),
 * under the run's tree index. Memoised per build.
 */
import { BinfarmError } from '../errors.ts';
import { EMERGE_DATA, emptyRecord, type EmergeRecord } from '../emerge/record.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { sourcesOfRun } from '../sources/resolve.ts';
import { computeSlice, cpnOf, sliceDigest, type RecordedSlice } from './tree-slice.ts';

export const TREE_SLICE_DATA = 'binfarm:tree-slice';

/**
 * The slice, or undefined when the run could not resolve the tree itself (a plugin provides it by
 * claiming mountPortage): the key then takes the whole-tree digest that phase set (build.tree).
 */
export async function treeSliceOf(build: SubjectBuild): Promise<RecordedSlice | undefined> {
  const known = build.data.get(TREE_SLICE_DATA) as RecordedSlice | undefined;
  if (known) return known;
  const sources = await sourcesOfRun(build.run);
  if (!sources.tree) return undefined;
  const indexes = await sources.indexes();
  if (!indexes) throw new BinfarmError('E_TREE', `the tree slice of subject "${build.subject.name}" cannot be computed: the tree index of ${sources.tree} is missing`);
  const record = (build.data.get(EMERGE_DATA) as EmergeRecord | undefined) ?? emptyRecord();
  const cpvs = [...record.built, ...record.binary];
  if (build.subject.parent === null && build.run.options.base.updateWorld && build.container) cpvs.push(...(await installedPackages(build.container)));
  const packages = [...new Set(cpvs.map(cpnOf))].sort();
  const slice = computeSlice(packages, indexes);
  const recorded: RecordedSlice = { treeDigest: sources.tree, packages, slice, digest: sliceDigest(slice) };
  build.data.set(TREE_SLICE_DATA, recorded);
  return recorded;
}

/** cat/pf of every package in the container's VDB (`/var/db/pkg/<cat>/<pf>`). */
async function installedPackages(c: ContainerHandle): Promise<string[]> {
  const r = await c.exec(['find', '/var/db/pkg', '-mindepth', '2', '-maxdepth', '2', '-type', 'd']);
  if (r.exitCode !== 0) throw new BinfarmError('E_EMERGE', `cannot list /var/db/pkg in the build container: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean).map((p) => p.replace(/^\/var\/db\/pkg\//, '')).filter((p) => !p.split('/')[1]?.startsWith('-MERGING-'));
}
