/**
 * Signs the binpkgs of a partition that are not signed yet (the ones the build just made): runs on
 * the host after emerge and before the `Packages` index is regenerated, because signing changes
 * each file's size and digests. Signed files are left alone, so a package signed by a previous key
 * keeps that signature (rotation, docs/security.md#rotation).
 */
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gpkgFiles } from './binpkg-files.ts';
import { signGpkg, type Signer } from './gpkg-sign.ts';
import { readTarMembers } from './tar-members.ts';
import { resolveSigning, type SigningConfig } from './config.ts';

/** True when the GPKG already carries signatures (any `.sig` member, as Portage decides). */
export async function isSignedGpkg(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const members = await readTarMembers(fh, (await fh.stat()).size, file);
    return members.some((m) => basename(m.name).endsWith('.sig'));
  } finally {
    await fh.close();
  }
}

/** Signs every unsigned GPKG below `dir`; returns the relative paths signed. Two at a time: gpg is mostly waiting on I/O. */
export async function signNewBinpkgs(dir: string, signer: Signer, onSigned?: (rel: string) => void): Promise<string[]> {
  const todo: string[] = [];
  for (const rel of await gpkgFiles(dir)) if (!(await isSignedGpkg(join(dir, rel)))) todo.push(rel);
  const signed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const rel = todo[next++]!;
      await signGpkg(join(dir, rel), signer);
      signed.push(rel);
      onSigned?.(rel);
    }
  };
  await Promise.all([worker(), worker()]);
  return signed.sort();
}

/** The package phase's step: resolves `binhost.signing` (failing early on a missing key) and signs what is new in `dir`. */
export async function signPartition(cfg: SigningConfig, rootDir: string, dir: string, onSigned?: (rel: string) => void): Promise<string[]> {
  const signing = await resolveSigning(cfg, rootDir);
  return signNewBinpkgs(dir, signing, onSigned);
}
