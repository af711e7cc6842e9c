import type { Readable } from 'node:stream';
import { posix } from 'node:path';
import type { ContainerHandle } from '../../engine/types.ts';
import { ImageState } from './state.ts';

/** Largest file read back from the image (config files are small; anything bigger is kept as "present"). */
const MAX_FILE = 4 * 1024 * 1024;

function notFound(e: unknown): boolean {
  const err = e as { statusCode?: number; cause?: { statusCode?: number } } | null;
  return err?.statusCode === 404 || err?.cause?.statusCode === 404;
}

/**
 * Reads directories or files of the build container into an ImageState (through the Engine
 * API's archive endpoint, so nothing needs to run inside the container). Missing paths are
 * simply absent.
 */
export async function readImagePaths(container: ContainerHandle, paths: readonly string[], state = new ImageState()): Promise<ImageState> {
  const { extract } = await import('tar-stream');
  for (const path of paths) {
    let stream: Readable;
    try {
      stream = await container.getArchive(path);
    } catch (e) {
      if (notFound(e)) continue;
      throw e;
    }
    const parent = posix.dirname(path);
    const ex = extract();
    const done = new Promise<void>((resolve, reject) => {
      ex.on('entry', (header, body, next) => {
        const abs = posix.join(parent, header.name).replace(/\/$/, '');
        const chunks: Buffer[] = [];
        let size = 0;
        body.on('data', (chunk: unknown) => {
          const c = chunk as Buffer;
          size += c.length;
          if (size <= MAX_FILE) chunks.push(c);
        });
        body.on('end', () => {
          if (header.type === 'directory') state.entries.set(abs, { kind: 'dir' });
          else if (header.type === 'symlink') state.entries.set(abs, { kind: 'symlink', target: header.linkname ?? '' });
          else if (header.type === 'file')
            state.entries.set(abs, { kind: 'file', content: Buffer.concat(chunks), ...(header.mode !== undefined ? { mode: header.mode } : {}) });
          next();
        });
        body.on('error', reject);
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
    });
    stream.pipe(ex);
    await done;
  }
  return state;
}
