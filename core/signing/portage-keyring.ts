/**
 * Portage's verification keyring for build containers. Portage checks a signed GPKG even from a
 * local PKGDIR (gpkg.py `_verify_binpkg`: any package with signatures is verified unless
 * `binpkg-ignore-signature`), against /etc/portage/gnupg, wanting TRUST_FULLY or TRUST_ULTIMATE.
 * So a subject build or an assembly that reuses signed binpkgs needs the farm's public keys there,
 * trusted. The keyring is made on the host (public keys only, ownertrust ultimate, trustdb checked,
 * world-readable because Portage verifies as nobody) and bound read-only into the container; the
 * container never sees the secret key.
 */
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { tempSibling } from '../util/fs.ts';
import type { ResolvedSigning } from './config.ts';
import { exportPublicKeys, importKeys, runGpg } from './gpg.ts';

/** `<stateDir>/signing/portage-gnupg-<first 16 of each published fingerprint>`: a new key set gets a new keyring. */
export function portageKeyringDir(stateDir: string, signing: Pick<ResolvedSigning, 'published'>): string {
  return join(stateDir, 'signing', `portage-gnupg-${signing.published.map((f) => f.slice(-16)).join('-')}`);
}

/** Makes (once) and returns the keyring directory for `signing`'s published keys. */
export async function preparePortageKeyring(stateDir: string, signing: ResolvedSigning): Promise<string> {
  const dir = portageKeyringDir(stateDir, signing);
  if (
    await stat(join(dir, 'trustdb.gpg')).then(
      () => true,
      () => false,
    )
  )
    return dir;
  await mkdir(join(stateDir, 'signing'), { recursive: true });
  const tmp = tempSibling(dir);
  await mkdir(tmp, { mode: 0o755 });
  try {
    const home = { gpgHome: tmp };
    await importKeys(home, await exportPublicKeys(signing, signing.published));
    const trust = await runGpg(home, ['--import-ownertrust'], { input: signing.published.map((f) => `${f}:6:\n`).join('') });
    const check = await runGpg(home, ['--check-trustdb']);
    if (trust.exitCode !== 0 || check.exitCode !== 0) {
      throw new BinfarmError('E_SIGNATURE', `could not set up the verification keyring ${dir}: ${(trust.stderr + check.stderr).trim().split('\n').pop()}`);
    }
    for (const f of await readdir(tmp)) await chmod(join(tmp, f), 0o644).catch(() => undefined);
    await chmod(tmp, 0o755);
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      // Another build made it first: theirs is as good.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      await rm(tmp, { recursive: true, force: true });
    });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}
