/** One regular file of a container, read through the engine's archive API (works with any engine, remote ones included). */
import { extract } from 'tar-stream';
import { isBinfarmError } from '../errors.ts';
import type { ContainerHandle } from './types.ts';

/** The file's bytes, or undefined when there is no such path (or it is not a regular file). */
export async function readContainerFile(container: ContainerHandle, path: string): Promise<Buffer | undefined> {
  let archive;
  try {
    archive = await container.getArchive(path);
  } catch (e) {
    // Only "no such path" (container.ts: E_DOCKER with details.path) means the file is absent.
    if (isBinfarmError(e) && e.code === 'E_DOCKER' && e.details?.path === path) return undefined;
    throw e;
  }
  const ex = extract();
  let content: Buffer | undefined;
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (content === undefined && header.type === 'file') content = Buffer.concat(chunks);
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    archive.on('error', reject);
    archive.pipe(ex);
  });
  return content;
}
