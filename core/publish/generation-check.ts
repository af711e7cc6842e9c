/**
 * Content check of a directory holding a `Packages` index and the files it lists — a published
 * generation (or a local partition for `binhost verify`): every listed file against SIZE and
 * digests. `cached` hashes only files whose stat changed since they last verified good.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binpkgName, checkEntryFile, entryDigestId, type CheckMode } from '../binhost/entry-check.ts';
import { parsePackagesIndex, type PackagesIndex } from '../binhost/packages-index.ts';
import { VerifyCache } from '../binhost/verify-cache.ts';

export interface BadFile {
  path: string;
  /** `<cat>/<pf>-<build id>`. */
  name: string;
  cpv: string;
  kind: 'missing' | 'corrupt';
  what: string;
}

export interface DirCheck {
  /** Undefined when the directory has no Packages index. */
  index: PackagesIndex | undefined;
  /** PATH → the digest id of files that verified good. */
  good: Map<string, string>;
  bad: BadFile[];
}

export async function checkIndexedDir(dir: string, opts: { mode: CheckMode; cacheDir?: string }): Promise<DirCheck> {
  const text = await readFile(join(dir, 'Packages'), 'utf8').catch(() => undefined);
  if (text === undefined) return { index: undefined, good: new Map(), bad: [] };
  const index = parsePackagesIndex(text);
  const cache = opts.cacheDir ? await VerifyCache.load(opts.cacheDir, dir) : undefined;
  const good = new Map<string, string>();
  const bad: BadFile[] = [];
  for (const entry of index.packages) {
    const v = await checkEntryFile(dir, entry, cache, opts.mode);
    const path = entry.PATH ?? '';
    if (v.ok) good.set(path, entryDigestId(entry));
    else bad.push({ path, name: path ? binpkgName(path) : entry.CPV!, cpv: entry.CPV!, kind: v.kind, what: v.what });
  }
  await cache?.save().catch(() => undefined);
  return { index, good, bad };
}
