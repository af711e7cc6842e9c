/**
 * `nodePath` and `nodeMarker` of a tree or overlay source: where the same snapshot already is on
 * every build node (CVMFS, a shared mount), and the file a job compares to check that it is.
 * They say where a copy lives, not what the tree is: the tree's identity (its digest, the content
 * key, the recorded source settings) never depends on them.
 */
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { TreeSource } from './sources/index.ts';

/** The repository files that identify a Gentoo snapshot (egencache --write-timestamp, emerge-webrsync, git snapshots). */
export const DEFAULT_NODE_MARKERS: readonly string[] = ['metadata/timestamp.chk', 'metadata/timestamp.x', 'metadata/timestamp.commit'];

export interface NodeTree {
  /** For messages and hints: `tree` or `overlays[<i>].source` (the config keys). */
  key: string;
  nodePath: string;
  /** The marker the user named; undefined: those of DEFAULT_NODE_MARKERS the tree has. */
  nodeMarker: string | undefined;
}

/** The source without its node keys: what identifies the tree (source-settings hashes). */
export function treeIdentity(source: TreeSource): Omit<TreeSource, 'nodePath' | 'nodeMarker'> {
  const { nodePath: _p, nodeMarker: _m, ...rest } = source;
  return rest;
}

/**
 * The node copy of the repository mounted at `target` (the tree at /var/db/repos/gentoo, an
 * overlay at /var/db/repos/<name>: core/tree/provide.ts), when its source names one.
 */
export function nodeTreeAt(options: Pick<BinfarmOptions, 'tree' | 'overlays'>, target: string, gentooLocation: string): NodeTree | undefined {
  if (target === gentooLocation) return nodeTree(options.tree, 'tree');
  const i = options.overlays.findIndex((o) => `/var/db/repos/${o.name}` === target);
  return i < 0 ? undefined : nodeTree(options.overlays[i]!.source, `overlays[${i}].source`);
}

function nodeTree(source: TreeSource, key: string): NodeTree | undefined {
  return source.nodePath ? { key, nodePath: source.nodePath, nodeMarker: source.nodeMarker } : undefined;
}
