/**
 * A slim image is the assembly ROOT alone (the `FROM scratch` of a multi-stage build): the
 * container's `/assemble-root` fetched with getArchive (entries `assemble-root/...`), re-rooted
 * on the fly so that its content sits at `/`, and imported as a one-layer image. Nothing of the
 * builder (Portage, the tree mount point, the toolchain) can end up in it.
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { posix } from 'node:path';
import type { ContainerHandle, Engine, ImageInfo } from '../engine/types.ts';
import { BinfarmError } from '../errors.ts';
import { ASSEMBLE_ROOT } from './argv.ts';

/** Re-roots a tar whose entries sit under `top/` to `/` (the `top/` entry itself is dropped). */
export async function rerootTar(input: Readable, top: string): Promise<{ stream: Readable; done: Promise<{ entries: number }> }> {
  const { extract: createExtract, pack: createPack } = await import('tar-stream');
  const extract = createExtract();
  const pack = createPack();
  const out = new PassThrough();
  const prefix = `${top.replace(/\/+$/, '')}/`;
  const strip = (name: string) => {
    const n = name.replace(/^\.?\/+/, '');
    return n.startsWith(prefix) ? n.slice(prefix.length) : n === prefix.slice(0, -1) ? '' : undefined;
  };
  let entries = 0;
  const done = new Promise<{ entries: number }>((resolve, reject) => {
    const fail = (e: unknown) => {
      reject(e);
      out.destroy(e as Error);
    };
    extract.on('entry', (header, stream, next) => {
      const name = strip(header.name);
      // The entry's stream fails along with the extractor; its error is the extractor's.
      stream.on('error', () => undefined);
      if (name === undefined) {
        stream.resume();
        return next(new BinfarmError('E_ARCHIVE', `the archive of ${ASSEMBLE_ROOT} holds "${header.name}", outside ${prefix}`));
      }
      if (name === '' || name === './') {
        stream.on('end', () => next());
        stream.resume();
        return;
      }
      const linkname = header.type === 'link' && header.linkname ? (strip(header.linkname) ?? header.linkname) : header.linkname;
      entries++;
      const sink = pack.entry({ ...header, name: posix.normalize(name), ...(linkname !== undefined ? { linkname } : {}) }, (err) => (err ? fail(err) : next()));
      stream.pipe(sink);
    });
    extract.on('finish', () => {
      pack.finalize();
      resolve({ entries });
    });
    extract.on('error', fail);
    pack.on('error', fail);
  });
  pipeline(input, extract, (err) => {
    if (err) out.destroy(err);
  });
  pack.pipe(out);
  return { stream: out, done };
}

/** Imports the container's ROOT as `repo:tag` with labels and Dockerfile `changes` (CMD, ...). */
export async function importRoot(
  engine: Engine,
  container: ContainerHandle,
  ref: { repo: string; tag: string },
  labels: Record<string, string>,
  changes: string[],
): Promise<ImageInfo> {
  const archive = await container.getArchive(ASSEMBLE_ROOT);
  const { stream, done } = await rerootTar(archive, posix.basename(ASSEMBLE_ROOT));
  const [info, counted] = await Promise.all([engine.importTarball(stream, ref, labels, { changes }), done]);
  if (!counted.entries) {
    throw new BinfarmError('E_ASSEMBLE', `${ASSEMBLE_ROOT} was empty after emerge: nothing to put in ${ref.repo}:${ref.tag}`, {
      hint: 'emerge merged nothing into the slim ROOT; check the emerge output in the log.',
    });
  }
  return info;
}
