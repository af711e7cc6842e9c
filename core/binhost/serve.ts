/**
 * A read-only HTTP server for binhost partitions (what the original's `srv-start` lighttpd
 * did). A partition published in generations is served through its `current` link, so clients
 * use `http://host:port/<partition>` as sync-uri and never see generation numbers. Answers
 * GET and HEAD with Content-Length and Last-Modified (Portage sends If-Modified-Since for the
 * index: 304 when unchanged); nothing outside the root is reachable, symlinks included, and no
 * dotfile is. `/`, partition directories and the directories above them answer HTML pages
 * (serve-pages.ts).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, posix, sep } from 'node:path';
import { answerPage } from './serve-pages.ts';

export interface ServeOptions {
  /** Directory holding partitions (a `dir` publish target, or the local binhost root). */
  root: string;
  /** Serve one partition at `/` (it stays reachable under its own path too). */
  partition?: string;
  /** Called once per request (method, path, status). */
  log?: (line: string) => void;
  /** Extra documents at fixed top-level names, e.g. the binhost's public keys (core/signing/client-setup.ts). */
  documents?: Record<string, { type: string; body: string }>;
  /** The binpkgs are signed: the pages' binrepos.conf snippet turns verification on. */
  verifySignature?: boolean;
}

const TYPES: Array<[RegExp, string]> = [
  [/(^|\/)Packages$/, 'text/plain; charset=utf-8'],
  [/\.gz$/, 'application/gzip'],
  [/\.(gpkg\.tar|tar)$/, 'application/x-tar'],
  [/\.tbz2$/, 'application/x-bzip2'],
  [/\.xpak$/, 'application/octet-stream'],
];

function contentType(path: string): string {
  return TYPES.find(([re]) => re.test(path))?.[1] ?? 'application/octet-stream';
}

/** URL path → path segments, or undefined for anything unsafe (`..`, NUL, bad escapes). */
export function urlSegments(url: string): string[] | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  const segs = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) return undefined;
  return segs;
}

/**
 * The file for URL segments: inside `<root>/<partition>/current/` when the first segments name
 * a partition published in generations, else the plain path below the root.
 */
async function resolveFile(root: string, segs: string[], partition: string | undefined): Promise<string | undefined> {
  const candidates: string[][] = [];
  if (partition) candidates.push([...partition.split('/').filter(Boolean), ...segs]);
  candidates.push(segs);
  const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
  const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);
  for (const c of candidates) {
    let file = join(root, ...c);
    for (let i = c.length - 1; i >= 1; i--) {
      const base = join(root, ...c.slice(0, i));
      if (await isDir(join(base, 'current'))) {
        file = join(base, 'current', ...c.slice(i));
        break;
      }
    }
    if (await isFile(file)) return file;
  }
  return undefined;
}

async function handle(opts: ServeOptions, realRoot: string, req: IncomingMessage, res: ServerResponse): Promise<number> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
    return 405;
  }
  const segs = urlSegments(req.url ?? '/');
  const notFound = (): number => {
    const body = 'not found\n';
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) }).end(req.method === 'HEAD' ? undefined : body);
    return 404;
  };
  // Dotfiles are internal: generation markers (they name local paths), switchLink's temporaries.
  if (!segs || segs.some((s) => s.startsWith('.'))) return notFound();
  const doc = segs.length === 1 ? opts.documents?.[segs[0]!] : undefined;
  if (doc) {
    res.writeHead(200, { 'Content-Type': doc.type, 'Content-Length': String(Buffer.byteLength(doc.body)) }).end(req.method === 'HEAD' ? undefined : doc.body);
    return 200;
  }
  const file = segs.length ? await resolveFile(opts.root, segs, opts.partition) : undefined;
  if (!file) {
    const pages = { root: opts.root, partition: opts.partition, partitions: () => findPartitions(opts.root), verifySignature: opts.verifySignature ?? false };
    return (await answerPage(pages, segs, req, res)) ?? notFound();
  }
  // Symlinks (`current`, or anything planted in a target) must still end inside the root, and not at a dotfile.
  const real = await realpath(file).catch(() => undefined);
  if (!real || (real !== realRoot && !real.startsWith(realRoot + sep))) return notFound();
  if (real.slice(realRoot.length).split(sep).some((s) => s.startsWith('.'))) return notFound();
  const st = await stat(real).catch(() => undefined);
  if (!st?.isFile()) return notFound();
  const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
  const since = req.headers['if-modified-since'] ? Date.parse(req.headers['if-modified-since']) : NaN;
  if (!Number.isNaN(since) && lastModified.getTime() <= since) {
    res.writeHead(304, { 'Last-Modified': lastModified.toUTCString() }).end();
    return 304;
  }
  res.writeHead(200, { 'Content-Type': contentType(real), 'Content-Length': String(st.size), 'Last-Modified': lastModified.toUTCString(), 'Accept-Ranges': 'none' });
  if (req.method === 'HEAD') {
    res.end();
    return 200;
  }
  await new Promise<void>((resolve) => {
    const s = createReadStream(real);
    s.on('error', () => res.destroy());
    res.on('close', () => {
      s.destroy();
      resolve();
    });
    s.pipe(res);
  });
  return 200;
}

/** The request handler of createBinhostServer, for a server that serves the binhost beside other routes. */
export async function createBinhostHandler(opts: ServeOptions): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const realRoot = await realpath(opts.root);
  return (req, res) => {
    handle(opts, realRoot, req, res)
      .then((status) => opts.log?.(`${req.method} ${req.url} ${status}`))
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Length': '0' }).end();
        opts.log?.(`${req.method} ${req.url} 500 ${(e as Error).message}`);
      });
  };
}

export async function createBinhostServer(opts: ServeOptions): Promise<Server> {
  return createServer(await createBinhostHandler(opts));
}

/** Starts serving; resolves with the base URL once listening. */
export async function serveBinhost(opts: ServeOptions & { port?: number; host?: string }): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = await createBinhostServer(opts);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}`,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export { binreposSnippet } from './binrepos.ts';

/** Partitions below a root: directories holding a `current` link or a `Packages` index. */
export async function findPartitions(root: string): Promise<string[]> {
  const { readdir, lstat } = await import('node:fs/promises');
  const out: string[] = [];
  const walk = async (dir: string, rel: string[], depth: number): Promise<void> => {
    if (depth > 8) return;
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.includes('current') || (names.includes('Packages') && !rel.includes('generations'))) {
      out.push(posix.join(...rel));
      return;
    }
    for (const n of names.sort()) {
      if (n === 'generations' || n.startsWith('.')) continue;
      const p = join(dir, n);
      if ((await lstat(p).catch(() => undefined))?.isDirectory()) await walk(p, [...rel, n], depth + 1);
    }
  };
  await walk(root, [], 0);
  return out.filter(Boolean);
}
