/**
 * The tree cache, `<cacheDir>/trees/`:
 *   <key>.sqfs          squashfs image of one tree snapshot (key = sha256 of the tree digest)
 *   <key>.json          what it is: digest, repo name, source, size, creation time
 *   <key>.d/            the tree extracted (only for the `bind` strategy with non-directory sources)
 *   dir-index/<m>.json  manifest key of a directory source → its content digest (see sources/dir.ts)
 * Entries appear by rename, so a reader sees a complete image or none.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../util/hash.ts';
import { writeFileAtomic } from '../util/fs.ts';

export interface TreeMeta {
  digest: string;
  repoName: string;
  source: string;
  bytes: number;
  createdAt: string;
}

export class TreeCache {
  readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'trees');
  }

  key(digest: string): string {
    return sha256(digest).slice(0, 32);
  }

  sqfsPath(digest: string): string {
    return join(this.dir, `${this.key(digest)}.sqfs`);
  }

  extractedPath(digest: string): string {
    return join(this.dir, `${this.key(digest)}.d`);
  }

  private metaPath(digest: string): string {
    return join(this.dir, `${this.key(digest)}.json`);
  }

  /** The cached image and its metadata, when both are present. */
  async lookup(digest: string): Promise<{ sqfs: string; meta: TreeMeta } | undefined> {
    const sqfs = this.sqfsPath(digest);
    const [st, meta] = await Promise.all([
      stat(sqfs).catch(() => undefined),
      readFile(this.metaPath(digest), 'utf8').then((t) => JSON.parse(t) as TreeMeta, () => undefined),
    ]);
    if (!st?.isFile() || !meta || meta.digest !== digest) return undefined;
    return { sqfs, meta };
  }

  async writeMeta(meta: TreeMeta): Promise<void> {
    await writeFileAtomic(this.metaPath(meta.digest), `${JSON.stringify(meta, null, 2)}\n`);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  indexPath(manifestKey: string): string {
    return join(this.dir, 'dir-index', `${manifestKey}.json`);
  }

  async readIndex(manifestKey: string): Promise<{ digest: string; repoName: string } | undefined> {
    return readFile(this.indexPath(manifestKey), 'utf8').then((t) => JSON.parse(t) as { digest: string; repoName: string }, () => undefined);
  }

  async writeIndex(manifestKey: string, value: { digest: string; repoName: string }): Promise<void> {
    await writeFileAtomic(this.indexPath(manifestKey), `${JSON.stringify(value)}\n`);
  }
}
