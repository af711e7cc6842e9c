/**
 * The HTTP endpoint binfarm runs while swarm jobs build (docs/scale-out.md#the-upload-path). Jobs
 * have no bind mount and no Docker socket, so everything they need and make goes through it:
 *   GET  /binhost/<partition>/…             the binhost, read-only, no token (as `binfarm serve`, core/binhost/serve.ts)
 *   GET  /jobs/<id>/context.tar             the job's context (bearer token of that job); the first
 *                                           fetch is the job's start (RegisteredJob.started)
 *   PUT|POST /jobs/<id>/upload/<rel path>   one file into `<stateDir>/incoming/<id>/` (bearer token; POST because
 *                                           wget can only `--post-file`); upload-path.ts says which paths
 *   POST /jobs/<id>/end                     the job's exit status, sent after its last upload (bearer token):
 *                                           binfarm learns the end from the job, not from the task state (job-end.ts)
 *   GET  paths given to serveFile()         e.g. tree tarballs, read-only, no token
 * An upload streams to a `.part` file that is renamed when the whole body arrived; a refused,
 * oversized or interrupted upload leaves no file. A token is valid for its job only, until
 * unregisterJob(), which also cuts the job's uploads still in flight.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../types.ts';
import { createBinhostHandler } from '../../binhost/serve.ts';
import { BASE64, Base64Decoder, BODY_ENCODING_HEADER } from './base64-body.ts';
import { bearerToken, newJobToken, tokenMatches } from './job-token.ts';
import { checkUploadPath, JOB_ID } from './upload-path.ts';
import { parseJobEnd, type JobEndReport } from './job-end.ts';

export interface JobEndpointOptions {
  /** Where to listen; port 0 or absent picks a free one. Listen on a private address (see docs/scale-out.md). */
  listen: { host: string; port?: number };
  /** The base URL jobs use, when it differs from the listen address (NAT, a proxy terminating TLS). */
  publicUrl?: string;
  /** Directory holding the binhost partitions (served below /binhost/). */
  binhostRoot: string;
  /** binfarm's state directory: uploads land in `<stateDir>/incoming/<jobId>/`. */
  stateDir: string;
  logger?: Logger;
  /** Largest accepted upload in bytes (default 8 GiB). */
  maxUploadBytes?: number;
}

export interface RegisteredJob {
  token: string;
  /** Where this job's uploads land (acceptJobUploads reads it). */
  incomingDir: string;
  /** sync-uri for the job's binrepos.conf: `<url>/binhost/<partition>`. */
  binhostUrl: string;
  /**
   * Resolves when the job reports its end (`POST /jobs/<id>/end`, after its last upload); never
   * rejects, and stays pending when the job never reports (it died, its node was lost).
   */
  ended: Promise<JobEndReport>;
  /**
   * Resolves when the job first fetches its context (`GET /jobs/<id>/context.tar`): its container
   * runs on a node. Never rejects; stays pending when the job never starts.
   */
  started: Promise<void>;
}

export interface JobEndpoint {
  /** Base URL (publicUrl, else `http://<listen host>:<port>`), without a trailing slash. */
  readonly url: string;
  /** The binhost URL of a partition (what the job's binrepos.conf points at). */
  binhostUrl(partitionRel: string): string;
  registerJob(jobId: string, job: { partitionRel: string; context: Buffer }): RegisteredJob;
  /** Invalidates the job's token and cuts its uploads in flight (their `.part` files are removed before this resolves). */
  unregisterJob(jobId: string): Promise<void>;
  /** Serves `hostPath` at `urlPath` (read-only, no token), e.g. a tree tarball. */
  serveFile(urlPath: string, hostPath: string): void;
  close(): Promise<void>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

interface JobState {
  token: string;
  partitionRel: string;
  context: Buffer;
  incomingDir: string;
  uploads: Set<{ req: IncomingMessage; done: Promise<void> }>;
  reportEnd(report: JobEndReport): void;
  reportStart(): void;
}

/** Counts bytes through; fails once more than `max` passed. */
class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return cb(Object.assign(new Error(`body over ${this.max} bytes`), { code: 'E_TOO_LARGE' }));
    cb(null, chunk);
  }
}

function answer(res: ServerResponse, status: number, reason: string, body = `${reason}\n`, extra: Record<string, string> = {}): number {
  if (res.headersSent || res.destroyed) return status;
  // The reason goes in the status line too: BusyBox and GNU wget print it, never the body.
  res.statusMessage = reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
  return status;
}

/** A request body of at most 64 bytes (an end report); longer bodies are cut there. */
async function readSmallBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('latin1');
    if (body.length > 64) break;
  }
  return body.slice(0, 64);
}

export async function startJobEndpoint(opts: JobEndpointOptions): Promise<JobEndpoint> {
  const jobs = new Map<string, JobState>();
  const files = new Map<string, string>();
  const maxUpload = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const log = (line: string) => opts.logger?.debug(`job endpoint: ${line}`);
  const binhost = await createBinhostHandler({ root: opts.binhostRoot, log });

  /** The job when the request carries its token; otherwise answers 401/403 and returns undefined. */
  const authorise = (jobId: string, req: IncomingMessage, res: ServerResponse): JobState | undefined => {
    const presented = bearerToken(req.headers.authorization);
    if (!presented) {
      answer(res, 401, 'a bearer token is required', undefined, { 'WWW-Authenticate': 'Bearer' });
      return undefined;
    }
    const job = jobs.get(jobId);
    // Unknown job and wrong token answer alike: a client learns nothing about which jobs exist.
    if (!job || !tokenMatches(presented, job.token)) {
      answer(res, 403, 'the token is not valid for this job');
      return undefined;
    }
    return job;
  };

  const upload = async (job: JobState, rel: string, req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const verdict = checkUploadPath(rel);
    if (!verdict.ok) return answer(res, 400, `refused upload path: ${verdict.reason}`);
    const base64 = String(req.headers[BODY_ENCODING_HEADER] ?? '').toLowerCase() === BASE64;
    const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
    // base64 text is 4/3 of the bytes plus line breaks; the decoded size is what the limit is about.
    if (declared !== undefined && declared > (base64 ? Math.ceil(maxUpload * 1.4) + 4 : maxUpload)) {
      return answer(res, 413, `upload larger than ${maxUpload} bytes`, undefined, { Connection: 'close' });
    }
    const target = join(job.incomingDir, ...verdict.segments);
    const part = join(dirname(target), `.${verdict.segments.at(-1)}.${randomBytes(4).toString('hex')}.part`);
    let settle!: () => void;
    const entry = { req, done: new Promise<void>((r) => (settle = r)) };
    job.uploads.add(entry);
    const limit = new ByteLimit(maxUpload);
    try {
      await mkdir(dirname(target), { recursive: true });
      const out = createWriteStream(part, { flags: 'wx', mode: 0o644 });
      await (base64 ? pipeline(req, new Base64Decoder(), limit, out) : pipeline(req, limit, out));
      if (!req.complete) throw new Error('the client closed the connection before the whole body arrived');
      await rename(part, target);
      log(`${job.incomingDir}: stored ${rel} (${limit.bytes} bytes)`);
      return answer(res, 201, `stored ${rel}`, `stored ${rel} ${limit.bytes} bytes\n`);
    } catch (e) {
      await rm(part, { force: true });
      const err = e as NodeJS.ErrnoException;
      log(`${job.incomingDir}: upload of ${rel} failed: ${err.message}`);
      if (err.code === 'E_TOO_LARGE') return answer(res, 413, `upload larger than ${maxUpload} bytes`, undefined, { Connection: 'close' });
      if (req.complete && /base64/.test(err.message)) return answer(res, 400, err.message, undefined, { Connection: 'close' });
      if (req.complete) return answer(res, 500, `could not store ${rel}: ${err.message}`);
      res.destroy();
      return 499;
    } finally {
      job.uploads.delete(entry);
      settle();
    }
  };

  const serveStatic = async (hostPath: string, req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const st = await stat(hostPath).catch(() => undefined);
    if (!st?.isFile()) return answer(res, 404, 'not found');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(st.size) });
    if (req.method === 'HEAD') {
      res.end();
      return 200;
    }
    await pipeline(createReadStream(hostPath), res).catch(() => res.destroy());
    return 200;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    if (path === '/binhost' || path.startsWith('/binhost/')) {
      if (!reading) return answer(res, 405, 'the binhost is read-only', undefined, { Allow: 'GET, HEAD' });
      req.url = req.url!.slice('/binhost'.length) || '/';
      binhost(req, res);
      return 0;
    }
    const m = /^\/jobs\/([^/]+)\/(context\.tar|end|upload\/(.+))$/.exec(path);
    if (m) {
      const jobId = m[1]!;
      if (!JOB_ID.test(jobId)) return answer(res, 404, 'not found');
      if (m[2] === 'end') {
        if (method !== 'POST') return answer(res, 405, 'method not allowed', undefined, { Allow: 'POST' });
        const job = authorise(jobId, req, res);
        if (!job) return res.statusCode;
        const report = parseJobEnd(await readSmallBody(req));
        if (!report) return answer(res, 400, 'the end report must be the exit status (0-255)');
        job.reportEnd(report);
        return answer(res, 200, `end of job ${jobId} noted (status ${report.status})`);
      }
      const isUpload = m[2] !== 'context.tar';
      if (isUpload ? method !== 'PUT' && method !== 'POST' : !reading) {
        return answer(res, 405, 'method not allowed', undefined, { Allow: isUpload ? 'PUT, POST' : 'GET, HEAD' });
      }
      const job = authorise(jobId, req, res);
      if (!job) return res.statusCode;
      if (!isUpload) {
        if (method === 'GET') job.reportStart();
        res.writeHead(200, { 'Content-Type': 'application/x-tar', 'Content-Length': String(job.context.length) });
        res.end(method === 'HEAD' ? undefined : job.context);
        return 200;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(m[3]!);
      } catch {
        return answer(res, 400, 'refused upload path: bad percent-encoding');
      }
      return upload(job, rel, req, res);
    }
    const file = files.get(path);
    if (file) return reading ? serveStatic(file, req, res) : answer(res, 405, 'method not allowed', undefined, { Allow: 'GET, HEAD' });
    return answer(res, 404, 'not found');
  };

  const server = createServer((req, res) => {
    route(req, res).then(
      (status) => status && log(`${req.method} ${req.url?.replace(/\/upload\/.*/, '/upload/…')} ${status}`),
      (e: unknown) => {
        answer(res, 500, 'internal error');
        opts.logger?.warn(`job endpoint: ${req.method} ${req.url} failed: ${(e as Error).message}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port ?? 0, opts.listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.listen.host.includes(':') ? `[${opts.listen.host}]` : opts.listen.host;
  const url = (opts.publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '');
  const binhostUrl = (partitionRel: string) => `${url}/binhost/${partitionRel.split('/').filter(Boolean).join('/')}`;

  const unregister = async (jobId: string): Promise<void> => {
    const job = jobs.get(jobId);
    if (!job) return;
    jobs.delete(jobId);
    const inFlight = [...job.uploads];
    for (const u of inFlight) u.req.destroy();
    await Promise.all(inFlight.map((u) => u.done));
  };

  return {
    url,
    binhostUrl,
    registerJob(jobId, job) {
      if (!JOB_ID.test(jobId)) throw new Error(`job id "${jobId}" is not [A-Za-z0-9][A-Za-z0-9_-]{0,127}`);
      if (jobs.has(jobId)) throw new Error(`job "${jobId}" is already registered`);
      let reportEnd!: (r: JobEndReport) => void;
      const ended = new Promise<JobEndReport>((resolve) => (reportEnd = resolve));
      let reportStart!: () => void;
      const started = new Promise<void>((resolve) => (reportStart = resolve));
      const state: JobState = {
        token: newJobToken(),
        partitionRel: job.partitionRel,
        context: job.context,
        incomingDir: join(opts.stateDir, 'incoming', jobId),
        uploads: new Set(),
        reportEnd,
        reportStart,
      };
      jobs.set(jobId, state);
      return { token: state.token, incomingDir: state.incomingDir, binhostUrl: binhostUrl(job.partitionRel), ended, started };
    },
    unregisterJob: unregister,
    serveFile(urlPath, hostPath) {
      if (!urlPath.startsWith('/') || urlPath.startsWith('/jobs/') || urlPath === '/binhost' || urlPath.startsWith('/binhost/')) {
        throw new Error(`serveFile: "${urlPath}" must start with / and not be below /jobs/ or /binhost/`);
      }
      files.set(urlPath, hostPath);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...jobs.keys()].map(unregister));
      server.closeAllConnections();
      await closed;
    },
  };
}
