/** Resolves any configured tree source to an artifact the mount strategy can use. */
import type { z } from 'zod';
import type { TreeSourceSchema } from '../../config/schema/engine.ts';
import { extractedDir } from './common.ts';
import { dirTree } from './dir.ts';
import { gitTree } from './git.ts';
import { imageTree } from './image.ts';
import { snapshotTree } from './snapshot.ts';
import { sqfsTree } from './sqfs.ts';
import type { TreeArtifact, TreeContext, TreeNeeds } from './types.ts';

export type TreeSource = z.output<typeof TreeSourceSchema>;

export async function resolveTreeSource(source: TreeSource, ctx: TreeContext, needs: TreeNeeds): Promise<TreeArtifact> {
  let artifact: TreeArtifact;
  switch (source.type) {
    case 'image':
      artifact = await imageTree(source, ctx);
      break;
    case 'snapshot':
      artifact = await snapshotTree(source, ctx);
      break;
    case 'sqfs':
      artifact = await sqfsTree(source, ctx);
      break;
    case 'dir':
      artifact = await dirTree(source, ctx, needs);
      break;
    case 'git':
      artifact = await gitTree(source, ctx);
      break;
  }
  if (needs.dir && !artifact.dir) artifact = { ...artifact, dir: await extractedDir(ctx, artifact) };
  return artifact;
}

export type { TreeArtifact, TreeContext, TreeNeeds } from './types.ts';
