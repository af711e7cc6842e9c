/**
 * Repositories every node already has (`tree.nodePath`, `overlays[].source.nodePath`; CVMFS at
 * HEP sites): a job binds that node path read-only at the repository's mount point, and no tree
 * volume is filled for it. That the node's copy is the snapshot binfarm planned with is the
 * site's responsibility; a job checks it cheaply before it builds: the repository's marker files
 * (`nodeMarker`, else those of metadata/timestamp.{chk,x,commit} binfarm's copy has) travel in
 * the job context under `binfarm-job/tree-expect/<mount point>/<marker>`, and job.sh compares
 * them with the node's files, failing with JOB_EXIT_TREE when one differs or is missing.
 */
import { BinfarmError } from '../../errors.ts';
import { readContainerFile } from '../../engine/container-file.ts';
import type { ContainerHandle } from '../../engine/types.ts';
import { GENTOO_LOCATION } from '../../tree/provide.ts';
import { DEFAULT_NODE_MARKERS, nodeTreeAt, type NodeTree } from '../../tree/node-tree.ts';
import type { SubjectBuild } from '../../types.ts';
import type { ContextFile } from './job-context.ts';
import type { JobMount } from './services.ts';

/** Where the context puts the expected markers (job.sh reads this directory). */
export const TREE_EXPECT_DIR = 'binfarm-job/tree-expect';

/** The node copy of the repository at `target`, when its source names one. */
export function nodeTreeOf(build: SubjectBuild, target: string): NodeTree | undefined {
  return nodeTreeAt(build.run.options, target, GENTOO_LOCATION);
}

/** The job's read-only bind of the node path (the swarm rejects the task when a node lacks it). */
export function nodeTreeMount(node: NodeTree, target: string): JobMount {
  return { type: 'bind', source: node.nodePath, target, readOnly: true };
}

/**
 * The markers of every node tree of the build, read from binfarm's own copy in the build
 * container (what the content key describes), as context files for the job's check.
 */
export async function nodeTreeExpectations(build: SubjectBuild, container: ContainerHandle): Promise<ContextFile[]> {
  const files: ContextFile[] = [];
  for (const m of build.tree?.mounts ?? []) {
    const node = nodeTreeOf(build, m.target);
    if (!node) continue;
    const candidates = node.nodeMarker ? [node.nodeMarker] : DEFAULT_NODE_MARKERS;
    let found = 0;
    for (const marker of candidates) {
      const content = await readContainerFile(container, `${m.target}/${marker}`);
      if (content === undefined) continue;
      found++;
      files.push({ path: `${TREE_EXPECT_DIR}${m.target}/${marker}`, content });
    }
    if (found) continue;
    if (node.nodeMarker) {
      throw new BinfarmError('E_TREE', `${node.key}.nodeMarker "${node.nodeMarker}" is not a file of the repository binfarm mounts at ${m.target}`, {
        hint: `Name a file the snapshot has (e.g. metadata/timestamp.chk), or remove ${node.key}.nodeMarker to use the snapshot's metadata/timestamp files.`,
      });
    }
    build.logger.warn(
      `${node.key}.nodePath: the repository at ${m.target} has none of ${DEFAULT_NODE_MARKERS.join(', ')}; ` +
        `jobs cannot check that a node's copy at ${node.nodePath} is this snapshot (name a file in ${node.key}.nodeMarker)`,
    );
  }
  return files;
}

/** A job that found its node's tree (tree.nodePath) is not binfarm's snapshot: what differs, where, and what to do. */
export function nodeTreeDiffers(subject: string, where: string, lines: string[]): BinfarmError {
  const said = lines.filter((l) => l.startsWith('binfarm-job: ') && /node|binfarm has|differs/.test(l)).slice(-3);
  return new BinfarmError('E_TREE', `the swarm job of subject "${subject}" on ${where} found the node's tree is not the snapshot binfarm planned with`, {
    hint:
      `${said.join('\n')}\nThe same snapshot must be at tree.nodePath (overlays[].source.nodePath) on every node: update the node's copy ` +
      '(e.g. wait for CVMFS to publish it), or point the tree source at the snapshot the nodes have.',
    details: { lines: said },
  });
}
