/**
 * A snapshot tarball (`gentoo-YYYYMMDD.tar.xz`, `portage-latest.tar.xz`, ...): checked against its
 * `.md5sum` (or the configured md5sum/sha512) and its `.gpgsig` when a key is set, then decompressed
 * in a stream (`xz -dc`) straight into tar2sqfs; the top directory (`gentoo-YYYYMMDD/` or
 * `portage/`, read from the archive itself) becomes the image root. Digest: its SHA512.
 */
import { BinfarmError } from '../../errors.ts';
import { fetchSource, sourceBasename } from '../../util/download.ts';
import { decompressCommand } from '../../stage3/decompress.ts';
import { processProducer } from '../squashfs-build.ts';
import { tarTopDir } from '../tar-peek.ts';
import { cachedSquashfs } from './common.ts';
import { verifyDownloaded, verifySignatureIfKeyed } from './verify.ts';
import type { TreeArtifact, TreeContext } from './types.ts';

export interface SnapshotSource {
  src: string;
  md5sum?: string | undefined;
  sha512?: string | undefined;
  signature?: string | undefined;
  gpgKey?: string | undefined;
}

/** The first 64 KiB of the decompressed archive (enough for its first headers). */
async function head(cmd: string[] | undefined, file: string): Promise<Buffer> {
  const { createReadStream } = await import('node:fs');
  const { execa } = await import('execa');
  const limit = 64 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  if (!cmd) {
    for await (const c of createReadStream(file, { end: limit - 1 })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  const [bin, ...args] = cmd as [string, ...string[]];
  const proc = execa(bin, [...args, file], { reject: false, buffer: { stdout: false } });
  for await (const c of proc.stdout!) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size >= limit) break;
  }
  proc.kill();
  await proc;
  return Buffer.concat(chunks);
}

export async function snapshotTree(src: SnapshotSource, ctx: TreeContext): Promise<TreeArtifact> {
  const name = sourceBasename(src.src);
  const file = (await fetchSource(src.src, { rootDir: ctx.rootDir, cacheDir: ctx.cacheDir, signal: ctx.signal, onProgress: ctx.output }))!;
  const sha512 = await verifyDownloaded(file, src.src, [src.sha512, src.md5sum], ['.md5sum', '.sha512'], ctx, true);
  await verifySignatureIfKeyed(file, src.src, src, '.gpgsig', ctx);
  const cmd = decompressCommand(name);
  return cachedSquashfs(ctx, `sha512:${sha512}`, name, async () => {
    const top = tarTopDir(await head(cmd, file));
    if (top === undefined) ctx.warn(`${ctx.what}: ${name} has no top directory; its root is the repository root`);
    if (!cmd) {
      const { createReadStream } = await import('node:fs');
      if (!/\.tar$/.test(name)) {
        throw new BinfarmError('E_ARCHIVE', `${name}: unknown snapshot format`, { hint: 'Use a .tar, .tar.xz, .tar.zst, .tar.bz2 or .tar.gz snapshot.' });
      }
      return { producer: { stream: createReadStream(file) }, rootBecomes: top };
    }
    const [bin, ...args] = cmd as [string, ...string[]];
    return { producer: await processProducer(bin, [...args, file], name), rootBecomes: top };
  });
}
