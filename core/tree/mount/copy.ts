/**
 * `copy`: the original approach, kept for comparison — the trees are written into an image layer
 * on top of the subject's base image (`<prefix>/tree-copy:<key>`) and nothing is mounted. Every
 * image built on it carries the tree (hundreds of MB for the real one). A base image already
 * labelled with the same trees (a parent image that was built this way) is used as it is.
 */
import { posix } from 'node:path';
import { stableHash } from '../../util/hash.ts';
import type { SubjectBuild } from '../../run/context.ts';
import { putProducer, smallTar, sqfsTar } from './sqfs-tar.ts';
import type { MountStrategy, RepoMount, StrategyContext } from './types.ts';

export const TREE_COPY_LABEL = 'binfarm.tree.copy';

export const copyStrategy: MountStrategy = {
  name: 'copy',
  needs: () => ({ sqfs: true, dir: false }),

  async unavailable() {
    return undefined;
  },

  async provision() {
    return undefined;
  },

  async prepareBuild(build: SubjectBuild, repos: RepoMount[], ctx: StrategyContext): Promise<void> {
    const base = build.baseImage;
    if (!base) return;
    const { engine } = ctx;
    const trees = stableHash(repos.map((r) => [r.target, r.artifact.digest]));
    const info = await engine.inspectImage(base.ref);
    if (info?.labels[TREE_COPY_LABEL] === trees) return;
    const repo = `${build.run.options.imagePrefix}/tree-copy`;
    const tag = stableHash([base.digest, trees]).slice(0, 16);
    const existing = await engine.inspectImage(`${repo}:${tag}`);
    if (existing) {
      build.baseImage = { ref: `${repo}:${tag}`, digest: existing.id };
      return;
    }
    ctx.output(`copying ${repos.length} tree(s) into an image layer on ${base.ref}`);
    const c = await engine.create({ image: base.ref, cmd: ['/bin/true'], labels: { 'binfarm.role': 'tree-copy' } });
    try {
      for (const r of repos) {
        const parent = posix.dirname(r.target);
        const dirs = parent.split('/').filter(Boolean).map((_, i, all) => all.slice(0, i + 1).join('/'));
        await c.putArchive(await smallTar(dirs.map((name) => ({ name }))), '/');
        await putProducer(await sqfsTar(r.artifact.sqfs!, posix.basename(r.target)), (s) => c.putArchive(s, parent));
      }
      const id = await c.commit({
        repo,
        tag,
        labels: { 'binfarm.owned': '1', [TREE_COPY_LABEL]: trees },
        comment: 'binfarm: Portage trees copied in (mount strategy copy)',
      });
      build.baseImage = { ref: `${repo}:${tag}`, digest: id };
    } finally {
      await c.remove();
    }
  },
};
