/**
 * The browsable side of `binfarm serve`: `/`, directories above partitions and partition
 * directories answer an HTML page. Only asked when no file matched, so serving binpkgs and
 * indexes costs nothing more than before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderIndexPage, renderPartitionPage } from './pages.ts';
import { readPartitionView } from './partition-view.ts';

export interface PageContext {
  root: string;
  /** The partition served at `/` (`binfarm serve --partition`). */
  partition?: string;
  /** Partitions below the root (serve.ts findPartitions). */
  partitions(): Promise<string[]>;
  /** The binpkgs are signed (binhost.signing): snippets say `verify-signature = true`. */
  verifySignature?: boolean;
}

/** A Host header we are willing to print into a sync-uri: a name or address and a port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** `http://<host>` as the client reached us (its Host header), else the socket's own address. */
export function baseUrlOf(req: IncomingMessage): string {
  const host = req.headers.host;
  if (host && HOST.test(host)) return `http://${host}`;
  const addr = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
  const shown = addr.includes(':') ? `[${addr}]` : addr;
  return `http://${shown}:${req.socket.localPort}`;
}

function send(req: IncomingMessage, res: ServerResponse, html: string): number {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-cache',
    // Defence in depth behind the escaping: the pages need no script, frame or remote asset.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return 200;
}

/** Answers the page for URL segments, or returns undefined when there is none (the caller sends 404). */
export async function answerPage(ctx: PageContext, segs: string[], req: IncomingMessage, res: ServerResponse): Promise<number | undefined> {
  const base = baseUrlOf(req);
  if (ctx.partition && !segs.length) {
    const view = await readPartitionView(ctx.root, ctx.partition);
    return view ? send(req, res, renderPartitionPage(view, { syncUri: base, verifySignature: ctx.verifySignature ?? false })) : undefined;
  }
  const rel = segs.join('/');
  const partitions = await ctx.partitions();
  if (rel && partitions.includes(rel)) {
    const view = await readPartitionView(ctx.root, rel);
    return view ? send(req, res, renderPartitionPage(view, { syncUri: `${base}/${rel}`, verifySignature: ctx.verifySignature ?? false })) : undefined;
  }
  const below = rel ? partitions.filter((p) => p.startsWith(`${rel}/`)) : partitions;
  if (rel && !below.length) return undefined;
  const entries = await Promise.all(below.map(async (p) => ({ rel: p, view: await readPartitionView(ctx.root, p) })));
  return send(req, res, renderIndexPage(entries, { baseUrl: base, ...(rel ? { prefix: rel } : {}) }));
}
