/**
 * The verification cache of binpkg files: hashing every GB-sized binpkg on every run is too
 * slow, so a file that was once found to match its index entry is trusted again while its
 * stat (size, mtime, ctime, inode) is unchanged and the entry's digests are the same. Any write
 * to the file changes mtime/ctime, a replacement changes the inode: then it is hashed again.
 * One JSON file per directory (a partition or a published generation) under
 * `<stateDir>/verify-cache/`; it holds only files that verified good. Lost updates (two
 * writers) only cost a re-hash, so writes are atomic but not locked.
 */
import type { Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import { stableHash } from '../util/hash.ts';

const CACHE_VERSION = 1;

export interface CachedStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  /** The index entry's size and digests the file was verified against (see entryDigestId). */
  digest: string;
}

interface CacheFile {
  version: typeof CACHE_VERSION;
  dir: string;
  files: Record<string, CachedStat>;
}

/** Directory of the cache files in a state directory. */
export function verifyCacheDir(stateDir: string): string {
  return join(stateDir, 'verify-cache');
}

export class VerifyCache {
  private dirty = false;

  private constructor(
    /** The cache file. */
    readonly path: string,
    /** The directory whose files it describes. */
    readonly dir: string,
    private readonly files: Record<string, CachedStat>,
  ) {}

  /** The cache of `dir` (empty when there is none or it is unreadable: that only costs hashing). */
  static async load(cacheDir: string, dir: string): Promise<VerifyCache> {
    const path = join(cacheDir, `${stableHash(dir).slice(0, 16)}.json`);
    const parsed = await readFile(path, 'utf8').then(
      (t) => JSON.parse(t) as CacheFile,
      () => undefined,
    );
    const files = parsed?.version === CACHE_VERSION && parsed.dir === dir && parsed.files ? parsed.files : {};
    return new VerifyCache(path, dir, files);
  }

  /** True when `rel` verified good against `digest` and its stat has not changed since. */
  hit(rel: string, st: Stats, digest: string): boolean {
    const c = this.files[rel];
    return !!c && c.digest === digest && c.size === st.size && c.mtimeMs === st.mtimeMs && c.ctimeMs === st.ctimeMs && c.ino === st.ino;
  }

  record(rel: string, st: Stats, digest: string): void {
    this.files[rel] = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, digest };
    this.dirty = true;
  }

  forget(rel: string): void {
    if (!(rel in this.files)) return;
    delete this.files[rel];
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const body: CacheFile = { version: CACHE_VERSION, dir: this.dir, files: this.files };
    await writeFileAtomic(this.path, `${JSON.stringify(body)}\n`);
    this.dirty = false;
  }
}
