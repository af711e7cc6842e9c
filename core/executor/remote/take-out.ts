/**
 * The binpkgs and build logs of an emerge on a remote engine, taken out of the build container
 * through the archive API into `<incoming>/` in the layout a swarm job uploads
 * (core/executor/swarm/upload-path.ts): `Packages`, `<cat>/<pn>/<pf>-<id>.gpkg.tar` (or
 * `<cat>/<pf>.gpkg.tar`) and `logs/<name>`. Only paths that check passes are written; each file is
 * written beside and renamed, so the incoming area never holds half a file. The incoming checks
 * (core/executor/swarm/incoming.ts) then decide what enters the partition.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import type { ContainerHandle } from '../../engine/types.ts';
import { checkUploadPath } from '../swarm/upload-path.ts';

/** Copies the regular files below `dir` in the container to `<dest>/<prefix><relative path>` when the upload rules allow it. */
export async function takeOut(container: ContainerHandle, dir: string, dest: string, prefix = ''): Promise<string[]> {
  const archive = await container.getArchive(dir);
  const taken: string[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    // The engine's archive holds the directory under its own name: `binpkgs/app-misc/...`.
    const rel = `${prefix}${header.name.slice(header.name.indexOf('/') + 1)}`;
    if (header.type !== 'file' || !checkUploadPath(rel).ok) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    const target = join(dest, ...rel.split('/'));
    const part = `${target}.part`;
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(part)))
      .then(() => rename(part, target))
      .then(
        () => {
          taken.push(rel);
          next();
        },
        (e: unknown) => {
          void rm(part, { force: true });
          next(e as Error);
        },
      );
  });
  await pipeline(archive, ex);
  return taken.sort();
}
