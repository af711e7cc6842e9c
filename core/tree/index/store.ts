/**
 * Tree indexes are cached by repository digest: `<cacheDir>/trees/index/<key>.json` (key as the
 * squashfs cache names it). A snapshot's index is built once; written atomically.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TreeCache } from '../cache.ts';
import { writeFileAtomic } from '../../util/fs.ts';
import { buildRepoIndex } from './build.ts';
import { TREE_INDEX_VERSION, type RepoIndex } from './types.ts';

export function indexPath(cacheDir: string, digest: string): string {
  const cache = new TreeCache(cacheDir);
  return join(cache.dir, 'index', `${cache.key(digest)}.json`);
}

export async function readRepoIndex(cacheDir: string, digest: string): Promise<RepoIndex | undefined> {
  const text = await readFile(indexPath(cacheDir, digest), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const idx = JSON.parse(text) as RepoIndex;
    return idx.version === TREE_INDEX_VERSION && idx.digest === digest ? idx : undefined;
  } catch {
    return undefined; // a damaged cache entry is rebuilt
  }
}

/** The cached index of `digest`, built from `dir()` (a directory holding that snapshot) on a miss. */
export async function repoIndex(cacheDir: string, digest: string, dir: () => Promise<string | undefined>): Promise<RepoIndex | undefined> {
  const hit = await readRepoIndex(cacheDir, digest);
  if (hit) return hit;
  const d = await dir();
  if (!d) return undefined;
  const idx = await buildRepoIndex(d, digest);
  await writeFileAtomic(indexPath(cacheDir, digest), JSON.stringify(idx));
  return idx;
}
