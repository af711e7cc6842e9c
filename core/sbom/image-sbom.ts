/**
 * The SBOM inside an image: made from the container's /var/db/pkg, written to SBOM_PATH before
 * the container is committed (so it is part of the image and of its digest, and `docker run`
 * users find it), and named by two labels: SBOM_LABEL (the path) and SBOM_DIGEST_LABEL (sha256
 * of the file's bytes).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle, Engine } from '../engine/types.ts';
import { buildSpdx, serializeSpdx, type BinpkgFacts, type SpdxDocument } from './spdx.ts';
import { readVdbTar, type InstalledPackage } from './vdb.ts';

export const SBOM_DIR = '/usr/share/binfarm';
export const SBOM_FILE = 'sbom.spdx.json';
export const SBOM_PATH = `${SBOM_DIR}/${SBOM_FILE}`;
export const SBOM_LABEL = 'binfarm.sbom';
export const SBOM_DIGEST_LABEL = 'binfarm.sbom.digest';

export interface MadeSbom {
  doc: SpdxDocument;
  text: string;
  /** `sha256:<hex>` of text. */
  digest: string;
  packages: InstalledPackage[];
}

export function sha256Of(text: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** `root`: the ROOT the packages were merged into (`/assemble-root` for a slim assembly), `''` for `/`. */
export async function installedPackagesOf(c: ContainerHandle, root = ''): Promise<InstalledPackage[]> {
  let tar: Readable;
  try {
    tar = await c.getArchive(`${root}/var/db/pkg`);
  } catch (e) {
    throw new BinfarmError('E_SBOM', `cannot read ${root}/var/db/pkg of the image: ${(e as Error).message}`, {
      cause: e,
      hint: 'An SBOM is made from the Portage database; an image without /var/db/pkg is not a Gentoo image binfarm built.',
    });
  }
  return readVdbTar(tar);
}

export async function makeSbom(c: ContainerHandle, name: string, binpkgOf: (p: InstalledPackage) => BinpkgFacts | undefined, root = ''): Promise<MadeSbom> {
  return makeSbomOf(name, await installedPackagesOf(c, root), binpkgOf);
}

/** The SBOM of a package list read elsewhere (the direct assembly reads it on the host, core/assemble/direct/direct-sbom.ts). */
export function makeSbomOf(name: string, packages: InstalledPackage[], binpkgOf: (p: InstalledPackage) => BinpkgFacts | undefined): MadeSbom {
  const doc = buildSpdx({ name, packages, binpkgOf });
  const text = serializeSpdx(doc);
  return { doc, text, digest: sha256Of(text), packages };
}

/**
 * Writes the SBOM to SBOM_PATH in a container (mode 0644, root, mtime = the SBOM's creation time).
 * One archive put at the ROOT, its entry named by the whole path: the engine creates the missing
 * directories of an entry (0755, root) as it unpacks, so no `mkdir -p` exec is needed first.
 */
export async function putSbom(c: ContainerHandle, sbom: MadeSbom, root = ''): Promise<void> {
  const tar = pack();
  tar.entry({ name: SBOM_PATH.slice(1), mode: 0o644, uid: 0, gid: 0, mtime: new Date(sbom.doc.creationInfo.created) }, sbom.text);
  tar.finalize();
  try {
    await c.putArchive(tar as unknown as Readable, root || '/');
  } catch (e) {
    throw new BinfarmError('E_SBOM', `cannot write ${root}${SBOM_PATH} in the container: ${(e as Error).message}`, { cause: e });
  }
}

export function sbomLabels(sbom: Pick<MadeSbom, 'digest'>): Record<string, string> {
  return { [SBOM_LABEL]: SBOM_PATH, [SBOM_DIGEST_LABEL]: sbom.digest };
}

/** The content of the one regular file in a tar (the archive endpoint's answer for a file path). */
export async function readFileFromTar(tar: Readable): Promise<Buffer | undefined> {
  const ex = extract();
  let found: Buffer | undefined;
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (b: unknown) => chunks.push(b as Buffer));
      stream.on('end', () => {
        if (header.type === 'file' && !found) found = Buffer.concat(chunks);
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  tar.on('error', (e) => ex.destroy(e));
  tar.pipe(ex);
  await done;
  return found;
}

/** A stopped container of an image, for archive reads; removed after `fn`. */
export async function withImageContainer<T>(engine: Engine, image: string, fn: (c: ContainerHandle) => Promise<T>): Promise<T> {
  const c = await engine.create({ image, cmd: ['/bin/true'], network: 'none' });
  try {
    return await fn(c);
  } finally {
    await c.remove().catch(() => undefined);
  }
}

/** The SBOM file of an image (undefined when it has none), read through a stopped container. */
export async function readImageSbom(c: ContainerHandle, path = SBOM_PATH): Promise<Buffer | undefined> {
  const tar = await c.getArchive(path).catch(() => undefined);
  return tar ? readFileFromTar(tar) : undefined;
}
