/**
 * `run --locked` for one repository (the tree or an overlay): the snapshot the lock names,
 * whatever the configured source resolves to today. Where it comes from, first match wins:
 *   git    the locked commit, when the checkout still has it (the source is re-pointed at it);
 *   image  the locked image id, when the engine still has it;
 *   dir    the directory itself, when it still hashes to the locked digest;
 *   any    the tree cache's squashfs of the locked digest (core/tree/cache.ts; snapshot tarballs,
 *          official squashfs files, images, git and dir trees mounted as squashfs or volume);
 *   any    the configured source, when it still resolves to the locked digest.
 * Otherwise the resolution is today's, with `lockMiss` saying why the locked one cannot be had:
 * the locked run then stops before anything is built (core/lock/locked-run.ts).
 */
import { posix, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { extractedDir } from '../tree/sources/common.ts';
import { DEFAULT_TREE_PATH } from '../tree/sources/image.ts';
import { resolveTreeSource, type TreeArtifact, type TreeContext, type TreeNeeds, type TreeSource } from '../tree/sources/index.ts';
import { repoDigest, type DigestContext, type RepoDigest } from './tree-digest.ts';
import type { RepoResolution } from './types.ts';

/** The locked snapshot's resolution, or today's with the reason the locked one cannot be used. */
export async function lockedRepo(name: string, source: TreeSource, locked: string, ctx: DigestContext): Promise<RepoResolution> {
  const pinned = await pinnedSource(source, locked, ctx);
  if (pinned) return { name, source: pinned, digest: locked };
  let now: RepoDigest | undefined;
  if (source.type === 'dir') {
    now = await repoDigest(source, ctx);
    if (now.digest === locked) return { name, source, digest: locked, ...(now.dir ? { dir: now.dir } : {}) };
  }
  if (await ctx.cache.lookup(locked)) {
    ctx.output(`${ctx.what}: the locked snapshot ${locked} comes from the tree cache`);
    return { name, source, digest: locked, fromCache: true };
  }
  now ??= await repoDigest(source, ctx);
  if (now.digest === locked) return { name, source, digest: locked, ...(now.dir ? { dir: now.dir } : {}) };
  return { name, source, ...(now.digest ? { digest: now.digest } : {}), ...(now.dir ? { dir: now.dir } : {}), lockMiss: missReason(source, locked, ctx) };
}

/** git and image sources re-pointed at the locked commit or image id, when it is still there. */
async function pinnedSource(source: TreeSource, locked: string, ctx: DigestContext): Promise<TreeSource | undefined> {
  if (source.type === 'git' && locked.startsWith('git:')) {
    const commit = locked.slice(4);
    const repo = resolve(ctx.rootDir, source.path);
    // execa is imported here, not at the top: a run without a lock never needs it (docs/internals/startup.md).
    const { execa } = await import('execa');
    const has = await execa('git', ['-C', repo, 'cat-file', '-e', `${commit}^{commit}`], { reject: false });
    if (has.exitCode !== 0) return undefined;
    if (source.ref !== commit) ctx.output(`${ctx.what}: the locked commit ${commit.slice(0, 12)} instead of "${source.ref}"`);
    return { ...source, ref: commit };
  }
  if (source.type === 'image' && locked.startsWith('image:') && ctx.engineOrUndefined) {
    const [id, path] = splitImageDigest(locked);
    if (path !== (posix.normalize(source.path).replace(/\/+$/, '') || '/')) return undefined;
    const info = await ctx.engineOrUndefined.inspectImage(id);
    if (info?.id !== id) return undefined;
    ctx.output(`${ctx.what}: the locked image ${id.slice(0, 19)} instead of ${source.image}`);
    return { ...source, image: id };
  }
  return undefined;
}

/** `image:<id>[:<path>]` → id and path (the default path when absent). */
function splitImageDigest(d: string): [string, string] {
  const rest = d.slice('image:'.length);
  const i = rest.indexOf(':', rest.indexOf(':') + 1);
  return i < 0 ? [rest, DEFAULT_TREE_PATH] : [rest.slice(0, i), rest.slice(i + 1)];
}

function missReason(source: TreeSource, locked: string, ctx: DigestContext): string {
  const cache = `and the tree cache (${ctx.cache.dir}) has no copy of it`;
  switch (source.type) {
    case 'dir':
      return `the directory ${resolve(ctx.rootDir, source.path)} has changed since the lock, ${cache}; binfarm keeps no history of a directory, so it cannot bring the locked state back`;
    case 'git':
      return `commit ${locked.replace(/^git:/, '')} is not in ${resolve(ctx.rootDir, source.path)} (\`git -C ${source.path} fetch\` may bring it back), ${cache}`;
    case 'image':
      return `the locked image ${locked.replace(/^image:/, '')} is no longer in the Docker engine, ${cache}`;
    case 'snapshot':
    case 'sqfs':
      return `${source.src} no longer serves the locked file, ${cache}`;
  }
}

/** The hint of a locked run that stops on `lockMiss`es. */
export const LOCK_MISS_HINT =
  'Restore the source to its locked state (check out or fetch the locked commit, restore the directory, put the locked snapshot file back), ' +
  'or accept the new state: run without --locked, check the result, then `binfarm lock` and commit binfarm.lock.';

/**
 * The artifact of a resolved repository, for the mount and the tree index: a `fromCache` snapshot
 * from the tree cache (unpacked when the strategy needs a directory), otherwise its source.
 */
export async function artifactOfResolved(r: RepoResolution, ctx: TreeContext, needs: TreeNeeds): Promise<TreeArtifact> {
  if (!r.fromCache) return resolveTreeSource(r.source, ctx, needs);
  const hit = await ctx.cache.lookup(r.digest!);
  if (!hit) {
    throw new BinfarmError('E_LOCK_SOURCE', `${ctx.what}: the locked snapshot ${r.digest} left the tree cache (${ctx.cache.dir}) during the run`, {
      hint: 'Do not clean the cache while a run is going; run again.',
    });
  }
  const artifact: TreeArtifact = { digest: r.digest!, repoName: hit.meta.repoName, sqfs: hit.sqfs, source: `${hit.meta.source} (tree cache)` };
  return needs.dir ? { ...artifact, dir: await extractedDir(ctx, artifact) } : artifact;
}
