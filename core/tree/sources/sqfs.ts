/**
 * An official squashfs snapshot (`gentoo-YYYYMMDD.xz.sqfs`) or any ready-made image: verified
 * (`sha512` option, else `sha512sum.txt` next to it, as distfiles.gentoo.org/snapshots/squashfs/
 * publishes it, cleartext-signed) and used as it is — no copy. Remote images must verify; a local
 * file without a checksum is accepted with a warning. Digest: its SHA512.
 */
import { link, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fetchSource, isRemote, sourceBasename } from '../../util/download.ts';
import { repoNameOfSquashfs } from '../validate.ts';
import { verifyDownloaded } from './verify.ts';
import type { TreeArtifact, TreeContext } from './types.ts';

export async function sqfsTree(src: { src: string; sha512?: string | undefined }, ctx: TreeContext): Promise<TreeArtifact> {
  const file = (await fetchSource(src.src, { rootDir: ctx.rootDir, cacheDir: ctx.cacheDir, signal: ctx.signal, onProgress: ctx.output }))!;
  const listing = isRemote(src.src) ? `${new URL('sha512sum.txt', src.src).toString()}` : `${dirname(file)}/sha512sum.txt`;
  const sha512 = await verifyDownloaded(file, src.src, [src.sha512], [listing], ctx, isRemote(src.src));
  const repoName = await repoNameOfSquashfs(file, `${ctx.what} (${sourceBasename(src.src)})`);
  const digest = `sha512:${sha512}`;
  // A download is replaced by the next one; a hard link under its digest keeps it for `run --locked` (core/sources/locked-repo.ts).
  if (isRemote(src.src) && !(await ctx.cache.lookup(digest))) await keepInCache(ctx, file, { digest, repoName, source: src.src });
  return { digest, repoName, sqfs: file, source: src.src };
}

async function keepInCache(ctx: TreeContext, file: string, meta: { digest: string; repoName: string; source: string }): Promise<void> {
  await ctx.cache.ensureDir();
  const dest = ctx.cache.sqfsPath(meta.digest);
  await rm(dest, { force: true });
  const linked = await link(file, dest).then(
    () => true,
    () => false,
  );
  if (linked) await ctx.cache.writeMeta({ ...meta, bytes: (await stat(dest)).size, createdAt: new Date().toISOString() });
}
