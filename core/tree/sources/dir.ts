/**
 * A repository in a local directory (an overlay in the config's checkout, a test tree).
 *
 * Digest: the SHA-256 of the tar stream the directory packs into (entries sorted), computed
 * while that stream flows into tar2sqfs, so the content is read once. To find the cached image
 * without reading every file again, a manifest of the directory (relative path, type, mode, size,
 * mtime, link target of every entry) is hashed into a key, and `trees/dir-index/<key>.json`
 * remembers the digest it packed into. Any change to a file's size or mtime, or an added/removed
 * file, changes the key; content edits that keep both (rare: editors update mtimes) are not seen.
 * The `bind` strategy needs no image: it hashes the stream without building one.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { BinfarmError } from '../../errors.ts';
import { commitSquashfs, processProducer, tarToSquashfs, type TarProducer } from '../squashfs-build.ts';
import { repoNameOfDir } from '../validate.ts';
import type { TreeArtifact, TreeContext, TreeNeeds } from './types.ts';

/**
 * Hash of every entry's path, type, mode, size, mtime and link target. The manifest is only a
 * cache key for the digest (the digest itself hashes a name-sorted tar stream), so find's own
 * order is hashed as it comes: an unchanged directory lists in the same order, and an order
 * that changed costs one re-hash, never a wrong digest. Not splitting and sorting 155k records
 * in JavaScript saves most of the time of an unchanged Gentoo-sized tree.
 * Walking 155k files is syscall-bound (1.7 s for one find here, 1.3 s of it the directory walk
 * alone), so the top-level entries (the categories) are split into one contiguous group per core,
 * each walked by its own find at the same time.
 */
export async function manifestKey(dir: string, opts: { walkLimit?: number } = {}): Promise<string> {
  // A small tree (an overlay, a test tree) is walked in-process: spawning find (and loading execa
  // to do it) costs more than the walk, and a no-op run pays it on every start (docs/internals/startup.md).
  const limit = opts.walkLimit ?? SMALL_TREE_ENTRIES;
  const walked = (await fewerEntries(dir, limit)) ? await walkManifest(dir, limit) : undefined;
  if (walked) return walked;
  const { execa } = await import('execa');
  const { availableParallelism, tmpdir } = await import('node:os');
  const top = (await readdir(dir).catch(() => [] as string[])).sort();
  const workers = Math.max(1, Math.min(4, availableParallelism(), Math.ceil(top.length / 8)));
  // Names starting with "-" would read as options; such a tree is walked by one plain find.
  if (!top.length || top.length > 4096 || top.some((n) => n.startsWith('-'))) return singleFind(dir);
  const size = Math.ceil(top.length / workers);
  const groups = Array.from({ length: workers }, (_, i) => top.slice(i * size, (i + 1) * size)).filter((g) => g.length);
  // Each find writes its listing to a file (-fprintf): piping 13 MB into Node costs more than the walk saves.
  const tmp = await mkdtemp(join(tmpdir(), 'binfarm-manifest-'));
  try {
    const runs = await Promise.all(
      groups.map((g, i) => execa('find', [...g, '-fprintf', join(tmp, String(i)), '%p\\0%y %m %s %T@ %l\\0'], { cwd: dir, reject: false, stdio: 'ignore' })),
    );
    if (runs.some((r) => r.exitCode !== 0)) return await singleFind(dir);
    const h = createHash('sha256');
    for (let i = 0; i < groups.length; i++) h.update(await readFile(join(tmp, String(i))));
    return `find2:${h.digest('hex')}`;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function singleFind(dir: string): Promise<string> {
  const { execa } = await import('execa');
  // GNU find lists 155k entries in under two seconds; Node's lstat walk takes ten times longer.
  const r = await execa('find', ['.', '-mindepth', '1', '-printf', '%P\\0%y %m %s %T@ %l\\0'], {
    cwd: dir,
    reject: false,
    maxBuffer: 1 << 30,
    encoding: 'buffer',
  });
  if (r.exitCode === 0) return `find1:${createHash('sha256').update(r.stdout as Uint8Array).digest('hex')}`;
  return (await walkManifest(dir, Infinity))!;
}

/** Up to this many entries, a tree's manifest is walked in-process (a few ms) rather than by find. */
const SMALL_TREE_ENTRIES = 2000;

/** Whether `dir` holds at most `limit` entries, counted by readdir alone (a big tree stops the count early). */
async function fewerEntries(dir: string, limit: number): Promise<boolean> {
  let left = limit;
  const count = async (abs: string): Promise<boolean> => {
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    if ((left -= entries.length) < 0) return false;
    for (const e of entries) if (e.isDirectory() && !(await count(join(abs, e.name)))) return false;
    return true;
  };
  return count(dir);
}

/** The same manifest without GNU find (slower for a big tree); undefined as soon as the tree has more than `limit` entries. */
async function walkManifest(dir: string, limit: number): Promise<string | undefined> {
  const h = createHash('sha256');
  let left = limit;
  const walk = async (abs: string, rel: string): Promise<boolean> => {
    const entries = (await readdir(abs, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if ((left -= entries.length) < 0) return false;
    for (const e of entries) {
      const p = join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = await lstat(p);
      const link = st.isSymbolicLink() ? await readlink(p) : '';
      h.update(`${r}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${link}\n`);
      if (st.isDirectory() && !(await walk(p, r))) return false;
    }
    return true;
  };
  if (!(await walk(dir, ''))) return undefined;
  return `walk:${h.digest('hex')}`;
}

let gnuTar: Promise<boolean> | undefined;

/**
 * The directory as a tar stream, entries sorted by name (reproducible). GNU tar packs the 155k
 * files of a Gentoo-sized tree in ~2 s where tar-fs (JS, one stat/open/read per file through
 * streamx) took ~44 s here, so GNU tar is used when present and tar-fs otherwise.
 */
export async function packDir(dir: string): Promise<TarProducer> {
  const { execa } = await import('execa');
  gnuTar ??= execa('tar', ['--version'], { reject: false }).then((r) => r.exitCode === 0 && /GNU tar/.test(r.stdout));
  if (await gnuTar) return processProducer('tar', ['-C', dir, '--sort=name', '--numeric-owner', '-cf', '-', '.'], dir);
  const tar = await import('tar-fs');
  const pack = tar.pack(dir, { sort: true } as Parameters<typeof tar.pack>[1]);
  return { stream: Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false }) };
}

/** `sha256:<hex>` of the directory's name-sorted tar stream: the digest of a `dir` tree. */
export async function dirStreamDigest(dir: string): Promise<string> {
  const h = createHash('sha256');
  const producer = await packDir(dir);
  for await (const chunk of producer.stream) h.update(chunk as Buffer);
  await producer.done;
  return `sha256:${h.digest('hex')}`;
}

export async function dirTree(src: { path: string }, ctx: TreeContext, needs: TreeNeeds): Promise<TreeArtifact> {
  const dir = resolve(ctx.rootDir, src.path);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new BinfarmError('E_TREE', `${ctx.what}: ${dir} is not a directory`, {
      hint: `Fix the path "${src.path}" (relative paths are resolved against ${ctx.rootDir}).`,
      details: { path: dir },
    });
  }
  const repoName = await repoNameOfDir(dir, ctx.what);
  const key = await manifestKey(dir);
  const indexed = await ctx.cache.readIndex(key);
  if (indexed && !needs.sqfs) return { digest: indexed.digest, repoName, dir, source: dir };
  if (indexed) {
    const hit = await ctx.cache.lookup(indexed.digest);
    if (hit) {
      ctx.output(`${ctx.what}: squashfs cache hit ${hit.sqfs}`);
      return { digest: indexed.digest, repoName, dir, sqfs: hit.sqfs, source: dir };
    }
  }
  if (!needs.sqfs) {
    const digest = await dirStreamDigest(dir);
    await ctx.cache.writeIndex(key, { digest, repoName });
    return { digest, repoName, dir, source: dir };
  }
  await ctx.cache.ensureDir();
  // Built under a name derived from the manifest, renamed to the digest once the stream is hashed.
  const built = await tarToSquashfs(await packDir(dir), join(ctx.cache.dir, `dir-${key.slice(0, 32)}.sqfs`), {
    hash: 'sha256',
    onProgress: ctx.output,
    signal: ctx.signal,
    what: ctx.what,
  });
  const digest = built.digest!;
  const dest = ctx.cache.sqfsPath(digest);
  if (await ctx.cache.lookup(digest)) {
    await rm(built.tmp, { force: true }); // same content as an image we already have (e.g. mtimes restored)
  } else {
    await commitSquashfs(built.tmp, dest);
    const { size } = await stat(dest);
    await ctx.cache.writeMeta({ digest, repoName, source: dir, bytes: size, createdAt: new Date().toISOString() });
    ctx.output(`${ctx.what}: built ${dest} (${(size / 1024 / 1024).toFixed(1)} MB squashfs)`);
  }
  await ctx.cache.writeIndex(key, { digest, repoName });
  return { digest, repoName, dir, sqfs: dest, source: dir };
}
