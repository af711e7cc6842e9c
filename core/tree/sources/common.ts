/** The parts every source shares: the squashfs cache fill and extraction for `bind`. */
import { rename, rm, stat } from 'node:fs/promises';
import { tempSibling } from '../../util/fs.ts';
import { commitSquashfs, tarToSquashfs, type TarProducer } from '../squashfs-build.ts';
import { repoNameOfSquashfs } from '../validate.ts';
import type { TreeArtifact, TreeContext } from './types.ts';

/**
 * The cached squashfs image of `digest`, built from `produce()` on a miss. The new image is
 * checked for profiles/repo_name before it is renamed into the cache.
 */
export async function cachedSquashfs(
  ctx: TreeContext,
  digest: string,
  source: string,
  produce: () => Promise<{ producer: TarProducer; rootBecomes?: string | undefined }>,
): Promise<TreeArtifact> {
  const hit = await ctx.cache.lookup(digest);
  if (hit) {
    ctx.output(`${ctx.what}: squashfs cache hit ${hit.sqfs}`);
    return { digest, repoName: hit.meta.repoName, sqfs: hit.sqfs, source };
  }
  await ctx.cache.ensureDir();
  const dest = ctx.cache.sqfsPath(digest);
  const { producer, rootBecomes } = await produce();
  const built = await tarToSquashfs(producer, dest, { rootBecomes, onProgress: ctx.output, signal: ctx.signal, what: ctx.what });
  let repoName: string;
  try {
    repoName = await repoNameOfSquashfs(built.tmp, `${ctx.what} (${source})`);
  } catch (e) {
    await rm(built.tmp, { force: true });
    throw e;
  }
  await commitSquashfs(built.tmp, dest);
  const { size } = await stat(dest);
  await ctx.cache.writeMeta({ digest, repoName, source, bytes: size, createdAt: new Date().toISOString() });
  ctx.output(`${ctx.what}: built ${dest} (${(size / 1024 / 1024).toFixed(1)} MB squashfs)`);
  return { digest, repoName, sqfs: dest, source };
}

/** Unpacks a squashfs image once into `<key>.d/` (the `bind` strategy for non-directory sources). */
export async function extractedDir(ctx: TreeContext, artifact: TreeArtifact): Promise<string> {
  const dest = ctx.cache.extractedPath(artifact.digest);
  if ((await stat(dest).catch(() => undefined))?.isDirectory()) return dest;
  const { execa } = await import('execa');
  const tmp = tempSibling(dest);
  ctx.output(`${ctx.what}: unpacking the squashfs image for a bind mount`);
  const r = await execa('rdsquashfs', ['--unpack-path', '/', '--unpack-root', tmp, '--chmod', '--set-times', '--no-dev', artifact.sqfs!], { reject: false });
  if (r.exitCode !== 0) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`rdsquashfs could not unpack ${artifact.sqfs}: ${r.stderr.trim()}`);
  }
  await rename(tmp, dest).catch(async (e: unknown) => {
    await rm(tmp, { recursive: true, force: true });
    // Another run unpacked the same snapshot first: theirs is as good as ours.
    if (!(await stat(dest).catch(() => undefined))?.isDirectory()) throw e;
  });
  return dest;
}
