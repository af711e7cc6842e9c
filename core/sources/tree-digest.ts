/**
 * The digest of one repository source without providing it for a mount (no squashfs built):
 *   dir       manifest → digest index kept by core/tree/sources/dir.ts; the tar stream is hashed only
 *             when the manifest changed (then the index is updated, so mountPortage finds it);
 *   git       the commit of `ref` (`git:<id>`);
 *   image     the image id (`image:<id>[:path]`); pulled when absent (run) or with `--pull`;
 *   snapshot, sqfs  the verified file's SHA512 (`sha512:<hex>`); remote files only in a run.
 * `network: false` (plan) leaves remote files and missing images unknown.
 */
import { posix, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { Engine } from '../engine/types.ts';
import { isRemote } from '../util/download.ts';
import { dirStreamDigest, manifestKey } from '../tree/sources/dir.ts';
import { DEFAULT_TREE_PATH } from '../tree/sources/image.ts';
import type { TreeContext, TreeSource } from '../tree/sources/index.ts';
import { repoNameOfDir } from '../tree/validate.ts';
import { verifyDownloaded, verifySignatureIfKeyed } from '../tree/sources/verify.ts';

export interface DigestContext extends TreeContext {
  /** Docker, when this resolution may use it. */
  engineOrUndefined?: Engine | undefined;
  network: boolean;
  pull: boolean;
}

export interface RepoDigest {
  digest?: string;
  dir?: string;
  note?: string;
}

export async function repoDigest(source: TreeSource, ctx: DigestContext): Promise<RepoDigest> {
  switch (source.type) {
    case 'dir':
      return dirDigest(resolve(ctx.rootDir, source.path), ctx);
    case 'git':
      return { digest: await gitCommit(resolve(ctx.rootDir, source.path), source.ref, ctx.what) };
    case 'image':
      return imageDigest(source, ctx);
    case 'snapshot':
    case 'sqfs': {
      if (isRemote(source.src) && !ctx.network) return { note: `${ctx.what}: ${source.src} is remote: unknown until fetched` };
      const { fetchSource } = await import('../util/download.ts');
      const file = (await fetchSource(source.src, { rootDir: ctx.rootDir, cacheDir: ctx.cacheDir, signal: ctx.signal, onProgress: ctx.output }))!;
      if (source.type === 'snapshot') {
        const sha512 = await verifyDownloaded(file, source.src, [source.sha512, source.md5sum], ['.md5sum', '.sha512'], ctx, true);
        await verifySignatureIfKeyed(file, source.src, source, '.gpgsig', ctx);
        return { digest: `sha512:${sha512}` };
      }
      const { dirname } = await import('node:path');
      const listing = isRemote(source.src) ? new URL('sha512sum.txt', source.src).toString() : `${dirname(file)}/sha512sum.txt`;
      return { digest: `sha512:${await verifyDownloaded(file, source.src, [source.sha512], [listing], ctx, isRemote(source.src))}` };
    }
  }
}

/** The same digest dirTree() records for this directory's manifest. */
async function dirDigest(dir: string, ctx: DigestContext): Promise<RepoDigest> {
  const repoName = await repoNameOfDir(dir, ctx.what);
  const key = await manifestKey(dir);
  const indexed = await ctx.cache.readIndex(key);
  if (indexed) return { digest: indexed.digest, dir };
  ctx.output(`${ctx.what}: ${dir} changed; hashing it`);
  const digest = await dirStreamDigest(dir);
  await ctx.cache.writeIndex(key, { digest, repoName });
  return { digest, dir };
}

async function gitCommit(repo: string, ref: string, what: string): Promise<string> {
  const { execa } = await import('execa');
  if (ref.startsWith('-')) throw new BinfarmError('E_TREE', `${what}: "${ref}" is not a git ref`, { hint: 'Use a branch, tag or commit id.' });
  const rev = await execa('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { reject: false });
  if (rev.exitCode !== 0) {
    throw new BinfarmError('E_TREE', `${what}: ref "${ref}" does not name a commit in ${repo}`, {
      hint: 'Check the path (a git checkout) and the branch, tag or commit id (`git -C <path> log --oneline`).',
    });
  }
  return `git:${rev.stdout.trim()}`;
}

async function imageDigest(src: { image: string; path: string }, ctx: DigestContext): Promise<RepoDigest> {
  const engine = ctx.engineOrUndefined;
  if (!engine) return { note: `${ctx.what}: image ${src.image} not inspected without Docker (plan --docker inspects it)` };
  let info = await engine.inspectImage(src.image);
  if (!info || ctx.pull) {
    if (!ctx.network) return { note: `${ctx.what}: image ${src.image} is not present: unknown until fetched` };
    const before = info?.id;
    ctx.output(`pulling ${src.image}`);
    info = await engine.pull(src.image, { onProgress: ctx.output, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (before && before !== info.id) ctx.warn(`${ctx.what}: ${src.image} moved: ${before.slice(0, 19)} → ${info.id.slice(0, 19)}`);
  }
  const path = posix.normalize(src.path).replace(/\/+$/, '') || '/';
  return { digest: `image:${info.id}${path === DEFAULT_TREE_PATH ? '' : `:${path}`}` };
}
