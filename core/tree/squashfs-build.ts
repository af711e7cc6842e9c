/**
 * tar stream → squashfs image, without extracting anything: the stream is piped into `tar2sqfs`
 * (squashfs-tools-ng), which writes a temp file next to the destination. The caller validates the
 * result and renames it into place (commitSquashfs), so the cache never holds a partial image.
 * The bytes are counted for progress and, on request, hashed on the way (a directory's digest is
 * the hash of the tar it was packed from).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BinfarmError } from '../errors.ts';
import { tempSibling } from '../util/fs.ts';

export interface TarProducer {
  stream: Readable;
  /** Settles when the producer finished; rejects when it failed (e.g. `xz -dc` on a corrupt file). */
  done?: Promise<unknown>;
  /** Stops the producer (on a tar2sqfs failure). */
  kill?: () => void;
}

export interface SquashfsBuildOptions {
  /** Directory of the archive that becomes the image root (`tar2sqfs --root-becomes`). */
  rootBecomes?: string | undefined;
  /** Hash the tar stream with this algorithm. */
  hash?: 'sha256';
  /**
   * squashfs block compressor and its options. Default zstd at level 3: in-kernel since 4.14, fast
   * to read; level 3 packed a 155k-file tree in 2.5 s where tar2sqfs's default level 15 took 8.8 s,
   * for a 9 % larger image (14.4 vs 13.2 MB).
   */
  compressor?: string;
  compressorExtra?: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal | undefined;
  /** Shown in messages, e.g. `gentoo/portage:latest:/var/db/repos/gentoo`. */
  what: string;
}

export interface SquashfsBuildResult {
  tmp: string;
  bytes: number;
  digest?: string;
}

const MB = 1024 * 1024;

export async function tarToSquashfs(source: TarProducer, dest: string, opts: SquashfsBuildOptions): Promise<SquashfsBuildResult> {
  const { execa } = await import('execa');
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  const compressor = opts.compressor ?? 'zstd';
  const extra = opts.compressorExtra ?? (compressor === 'zstd' ? 'level=3' : undefined);
  const args = [
    '--quiet',
    '--force',
    '--compressor',
    compressor,
    ...(extra ? ['--comp-extra', extra] : []),
    '--num-jobs',
    String(Math.max(1, availableParallelism())),
  ];
  if (opts.rootBecomes) args.push('--root-becomes', opts.rootBecomes);
  args.push(tmp);
  const proc = execa('tar2sqfs', args, {
    stdin: 'pipe',
    stdout: 'ignore',
    stderr: 'pipe',
    reject: false,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const hash = opts.hash ? createHash(opts.hash) : undefined;
  let bytes = 0;
  let last = Date.now();
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      hash?.update(chunk);
      const now = Date.now();
      if (opts.onProgress && now - last > 1000) {
        last = now;
        opts.onProgress(`packing ${opts.what} into squashfs: ${(bytes / MB).toFixed(0)} MB of tar read`);
      }
      cb(null, chunk);
    },
  });
  let streamError: unknown;
  const piped = pipeline(source.stream, meter, proc.stdin!).catch((e: unknown) => {
    streamError = e;
    source.kill?.();
    proc.kill();
  });
  const [res, producer] = await Promise.all([proc, source.done?.then(() => undefined, (e: unknown) => e), piped]);
  try {
    if (opts.signal?.aborted) throw new BinfarmError('E_INTERRUPTED', `interrupted while packing ${opts.what}`);
    if (producer) throw producer;
    if (res.exitCode !== 0) {
      const stderr = String(res.stderr).trim();
      if ((res as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String((res as { message?: string }).message))) {
        throw new BinfarmError('E_TREE', 'tar2sqfs is not installed', {
          hint: 'Install squashfs-tools-ng (Debian/Ubuntu: apt-get install squashfs-tools-ng; Gentoo: sys-fs/squashfs-tools-ng).',
        });
      }
      throw new BinfarmError('E_ARCHIVE', `tar2sqfs could not pack ${opts.what} (exit ${res.exitCode}): ${stderr.split('\n').slice(-3).join(' ')}`, {
        hint: 'The source is not a readable tar archive, or the cache directory is full.',
      });
    }
    if (streamError) throw streamError;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  opts.onProgress?.(`packed ${opts.what}: ${(bytes / MB).toFixed(1)} MB of tar`);
  return { tmp, bytes, ...(hash ? { digest: `${opts.hash}:${hash.digest('hex')}` } : {}) };
}

/** Moves a validated temp image into place (atomic within one filesystem). */
export async function commitSquashfs(tmp: string, dest: string): Promise<void> {
  await rename(tmp, dest);
}

/** A child process as a tar producer (stdout), failing with its stderr when it exits non-zero. */
export async function processProducer(file: string, args: string[], what: string, opts: { cwd?: string } = {}): Promise<TarProducer> {
  const { execa } = await import('execa');
  const proc = execa(file, args, { reject: false, buffer: { stdout: false, stderr: true }, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  // execa drains an unbuffered stdout that nobody reads yet; a PassThrough holds it (with backpressure)
  // until the consumer is attached.
  const stream = proc.stdout!.pipe(new PassThrough({ highWaterMark: 1 << 20 }));
  const done = proc.then((r) => {
    if (r.exitCode !== 0 && !r.isTerminated) {
      throw new BinfarmError(
        'E_ARCHIVE',
        `cannot read ${what}: ${file} exited with ${r.exitCode}: ${String(r.stderr).trim().split('\n').slice(-3).join(' ')}`,
        {
          hint: 'The source archive is damaged or not what its name says. Download it again.',
        },
      );
    }
  });
  return { stream, done, kill: () => void proc.kill() };
}
