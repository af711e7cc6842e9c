/**
 * Sources given as a URL (http, https, file) or a path. http(s) files are downloaded into
 * `<cacheDir>/downloads/<url-hash>/<basename>`: streamed to a temp sibling and renamed, so an
 * interrupted download never leaves a file that looks complete. A cached file is revalidated with
 * If-Modified-Since (its mtime is the server's Last-Modified), so `…-latest` URLs stay fresh and
 * immutable ones cost one 304. file:// URLs and paths are used in place.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { BinfarmError } from '../errors.ts';
import { sha256, } from './hash.ts';
import { tempSibling } from './fs.ts';

export interface FetchOptions {
  /** Directory relative paths resolve against (the config file's directory). */
  rootDir: string;
  cacheDir: string;
  /** Called with lines like `stage3-….tar.xz: 112.4/277.0 MB (40%)`, at most twice a second. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export function isRemote(src: string): boolean {
  return /^https?:\/\//i.test(src);
}

/** The file name a source ends in (URL path or file path). */
export function sourceBasename(src: string): string {
  if (/^[a-z]+:\/\//i.test(src)) return basename(decodeURIComponent(new URL(src).pathname));
  return basename(src);
}

/** A sibling source: `<src><suffix>` for both URLs and paths (e.g. `.DIGESTS`, `.asc`). */
export function siblingSource(src: string, suffix: string): string {
  if (/^[a-z]+:\/\//i.test(src)) {
    const u = new URL(src);
    u.pathname += suffix;
    return u.toString();
  }
  return src + suffix;
}

function localPath(src: string, rootDir: string): string {
  if (src.startsWith('file://')) return fileURLToPath(src);
  return resolve(rootDir, src);
}

const MB = 1024 * 1024;

/**
 * Makes `src` available as a local file and returns its path. With `optional`, a missing file
 * (HTTP 404/410, ENOENT) resolves to undefined instead of failing.
 */
export async function fetchSource(src: string, opts: FetchOptions & { optional?: boolean }): Promise<string | undefined> {
  if (!isRemote(src)) {
    const path = localPath(src, opts.rootDir);
    const st = await stat(path).catch(() => undefined);
    if (st?.isFile()) return path;
    if (opts.optional) return undefined;
    throw new BinfarmError('E_DOWNLOAD', `${src} does not exist${path !== src ? ` (looked for ${path})` : ''}`, {
      hint: 'Fix the path in binfarm.config.ts; relative paths are resolved against the config file directory.',
      details: { src, path },
    });
  }
  const name = sourceBasename(src) || 'download';
  const dest = join(opts.cacheDir, 'downloads', sha256(src).slice(0, 16), name);
  const cached = await stat(dest).catch(() => undefined);
  let res: Response;
  try {
    res = await fetch(src, {
      headers: cached ? { 'If-Modified-Since': cached.mtime.toUTCString() } : {},
      redirect: 'follow',
      signal: opts.signal ?? null,
    });
  } catch (e) {
    if (opts.signal?.aborted) throw new BinfarmError('E_INTERRUPTED', `download of ${src} interrupted`, { cause: e });
    if (cached) {
      opts.onProgress?.(`${name}: server unreachable, using the cached copy`);
      return dest;
    }
    throw new BinfarmError(
      'E_DOWNLOAD',
      `cannot download ${src}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`,
      {
        hint: 'Check the URL and the network (offline? download the file yourself and give its path instead).',
        cause: e,
        details: { src },
      },
    );
  }
  if (res.status === 304 && cached) return dest;
  if ((res.status === 404 || res.status === 410) && opts.optional) return undefined;
  if (!res.ok || !res.body) {
    throw new BinfarmError('E_DOWNLOAD', `cannot download ${src}: HTTP ${res.status} ${res.statusText}`, {
      hint:
        res.status === 404 ? 'The file is not there (old stage3s and snapshots are pruned from mirrors); pick a current one.' : 'Check the URL and the server.',
      details: { src, status: res.status },
    });
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  let done = 0;
  let last = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      const now = Date.now();
      if (opts.onProgress && now - last > 500) {
        last = now;
        opts.onProgress(`${name}: ${(done / MB).toFixed(1)}${total ? `/${(total / MB).toFixed(1)} MB (${Math.floor((done / total) * 100)}%)` : ' MB'}`);
      }
      cb(null, chunk);
    },
  });
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counter, createWriteStream(tmp), { signal: opts.signal });
    if (total && done !== total) throw new Error(`got ${done} of ${total} bytes`);
    const modified = res.headers.get('last-modified');
    if (modified && !Number.isNaN(Date.parse(modified))) await utimes(tmp, new Date(), new Date(modified));
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    if (opts.signal?.aborted) throw new BinfarmError('E_INTERRUPTED', `download of ${src} interrupted`, { cause: e });
    throw new BinfarmError('E_DOWNLOAD', `download of ${src} failed: ${(e as Error).message}`, { cause: e, details: { src } });
  }
  opts.onProgress?.(`${name}: ${(done / MB).toFixed(1)} MB downloaded`);
  return dest;
}
