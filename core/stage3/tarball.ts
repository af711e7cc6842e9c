/**
 * A stage3 tarball as the base image: fetched (or used in place), its checksum file checked
 * (`.DIGESTS`, else `.sha256`; SHA512 preferred), its `.asc` checked with gpg when a key is
 * configured, then decompressed in a stream and imported as `<prefix>/stage3:<sha512[:16]>`,
 * labelled with the digest. An image carrying that label is reused: no second import.
 */
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { BinfarmError } from '../errors.ts';
import type { Engine, ImageInfo } from '../engine/types.ts';
import { readChecksumFile, verifyChecksums } from '../util/checksums.ts';
import { fetchSource, siblingSource, sourceBasename, type FetchOptions } from '../util/download.ts';
import { verifyDetachedSignature } from '../util/gpg.ts';
import { decompressCommand } from './decompress.ts';

export interface TarballSource {
  src: string;
  digests?: string | undefined;
  signature?: string | undefined;
  gpgKey?: string | undefined;
  requireSignature: boolean;
}

export const STAGE3_DIGEST_LABEL = 'binfarm.stage3.sha512';

export interface ResolvedStage3 {
  ref: string;
  digest: string;
  imageId: string;
}

interface Ctx extends FetchOptions {
  engine: Engine;
  imagePrefix: string;
  output: (line: string) => void;
  warn: (line: string) => void;
  /** `run --locked`: the file must have this SHA512, checked before anything is imported. */
  expectSha512?: { sha512: string; fail: (now: string) => Error };
}

async function fetchDigests(source: TarballSource, ctx: Ctx): Promise<{ path: string; name: string }> {
  if (source.digests) return { path: (await fetchSource(source.digests, ctx))!, name: sourceBasename(source.digests) };
  for (const suffix of ['.DIGESTS', '.sha256']) {
    const candidate = siblingSource(source.src, suffix);
    const path = await fetchSource(candidate, { ...ctx, optional: true });
    if (path) return { path, name: sourceBasename(candidate) };
  }
  throw new BinfarmError('E_DIGEST', `no checksum file found for ${source.src} (tried ${sourceBasename(source.src)}.DIGESTS and .sha256)`, {
    hint: 'Put the .DIGESTS file published with the stage3 next to it, or set stage3.digests to its URL or path. binfarm does not import an unverified stage3.',
  });
}

async function checkSignature(source: TarballSource, tarball: string, ctx: Ctx): Promise<void> {
  if (!source.gpgKey) {
    if (source.requireSignature) {
      throw new BinfarmError('E_SIGNATURE', `stage3.requireSignature is set but no stage3.gpgKey is configured to check ${sourceBasename(source.src)}`, {
        hint: 'Set stage3.gpgKey to the release key file or fingerprint (Gentoo releng: 13EBBDBEDE7A12775DFDB1BABB572E0E2D182910).',
      });
    }
    return;
  }
  const sigSrc = source.signature ?? siblingSource(source.src, '.asc');
  const sig = await fetchSource(sigSrc, { ...ctx, optional: true });
  if (!sig) {
    if (source.requireSignature) {
      throw new BinfarmError('E_SIGNATURE', `the signature ${sigSrc} of the stage3 is missing and stage3.requireSignature is set`, {
        hint: 'Download the .asc published with the tarball next to it, or set stage3.signature to its location.',
        details: { signature: sigSrc },
      });
    }
    ctx.warn(`no signature ${sigSrc}: the stage3 is checked against its checksums only`);
    return;
  }
  const { fingerprint } = await verifyDetachedSignature({ file: tarball, signature: sig, key: source.gpgKey, rootDir: ctx.rootDir });
  ctx.output(`signature good: ${sourceBasename(sigSrc)} by ${fingerprint}`);
}

export async function resolveTarballStage3(source: TarballSource, ctx: Ctx): Promise<ResolvedStage3> {
  const name = sourceBasename(source.src);
  const tarball = (await fetchSource(source.src, { ...ctx, onProgress: ctx.output }))!;
  const digests = await fetchDigests(source, ctx);
  const { sha512, verified } = await verifyChecksums(tarball, name, await readChecksumFile(digests.path), digests.name);
  ctx.output(`${name}: ${verified.join(', ')} verified against ${digests.name}`);
  if (ctx.expectSha512 && ctx.expectSha512.sha512 !== sha512) throw ctx.expectSha512.fail(sha512);
  await checkSignature(source, tarball, ctx);

  const digest = `sha512:${sha512}`;
  const repo = `${ctx.imagePrefix}/stage3`;
  const tag = sha512.slice(0, 16);
  const existing = await ctx.engine.listImages({ label: [`${STAGE3_DIGEST_LABEL}=${sha512}`] });
  if (existing[0]) {
    const img = existing[0];
    if (!img.repoTags.includes(`${repo}:${tag}`)) await ctx.engine.tag(img.id, repo, tag);
    ctx.output(`stage3 image ${repo}:${tag} already imported`);
    return { ref: `${repo}:${tag}`, digest, imageId: img.id };
  }
  ctx.output(`importing ${name} as ${repo}:${tag}`);
  const info = await importDecompressed(tarball, name, { repo, tag }, { [STAGE3_DIGEST_LABEL]: sha512, 'binfarm.stage3.source': name }, ctx);
  return { ref: `${repo}:${tag}`, digest, imageId: info.id };
}

/**
 * Streams `xz -dc` (or zstd/bzip2/gzip by extension) into `docker import`. A decompressor failure
 * means the tar the daemon saw was truncated: the image is removed and the run stops.
 */
async function importDecompressed(
  path: string,
  name: string,
  ref: { repo: string; tag: string },
  labels: Record<string, string>,
  ctx: Ctx,
): Promise<ImageInfo> {
  const cmd = decompressCommand(name);
  if (!cmd) return ctx.engine.importTarball(createReadStream(path), ref, labels);
  const { execa } = await import('execa');
  const [bin, ...args] = cmd as [string, ...string[]];
  const proc = execa(bin, [...args, path], { reject: false, buffer: { stdout: false, stderr: true } });
  let info: ImageInfo | undefined;
  let importError: unknown;
  let killed = false;
  try {
    // execa drains an unbuffered stdout nobody reads yet: hold it in a PassThrough until the upload starts.
    info = await ctx.engine.importTarball(proc.stdout!.pipe(new PassThrough({ highWaterMark: 1 << 20 })), ref, labels);
  } catch (e) {
    importError = e;
    killed = proc.exitCode === null && proc.kill();
  }
  const res = await proc;
  if (res.exitCode !== 0 && !killed) {
    // The daemon saw a truncated tar (or none): whatever it made of it must not be used.
    if (info) await ctx.engine.removeImage(info.id, { force: true }).catch(() => undefined);
    throw new BinfarmError('E_ARCHIVE', `cannot read ${name}: ${bin} exited with ${res.exitCode}: ${String(res.stderr).trim()}`, {
      hint: 'The file is not a valid compressed tar archive. Download it again, or check that the checksum file belongs to it.',
      details: { path },
    });
  }
  if (importError) throw importError;
  return info!;
}
