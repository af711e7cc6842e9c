/**
 * A gentoo/portage-like image: the tree is exported through the API (`GET /containers/{id}/archive`
 * of a created, never started container) and streamed into tar2sqfs. Docker prefixes the entries
 * with the directory's base name (`gentoo/…`), which becomes the image root. The digest is the
 * image id (content-addressed) plus the path when it is not the default.
 */
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { BinfarmError } from '../../errors.ts';
import { cachedSquashfs } from './common.ts';
import type { TreeArtifact, TreeContext } from './types.ts';

export const DEFAULT_TREE_PATH = '/var/db/repos/gentoo';

export async function imageTree(src: { image: string; path: string }, ctx: TreeContext): Promise<TreeArtifact> {
  let info = await ctx.engine.inspectImage(src.image);
  if (!info) {
    ctx.output(`pulling ${src.image}`);
    info = await ctx.engine.pull(src.image, { onProgress: ctx.output, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  }
  const path = posix.normalize(src.path).replace(/\/+$/, '') || '/';
  const digest = `image:${info.id}${path === DEFAULT_TREE_PATH ? '' : `:${path}`}`;
  const label = `${src.image}:${path}`;
  const imageId = info.id;
  return cachedSquashfs(ctx, digest, label, async () => {
    const container = await ctx.engine.create({ image: imageId, cmd: ['/bin/true'], labels: { 'binfarm.role': 'tree-export' } });
    let stream: Readable;
    try {
      stream = await container.getArchive(path);
    } catch (e) {
      await container.remove();
      throw new BinfarmError('E_TREE', `the image ${src.image} has no ${path}`, {
        hint: 'Set tree.path to where the image keeps the repository (gentoo/portage images use /var/db/repos/gentoo).',
        cause: e,
      });
    }
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    }).finally(() => container.remove());
    return { producer: { stream, done, kill: () => stream.destroy() }, rootBecomes: path === '/' ? undefined : posix.basename(path) };
  });
}
