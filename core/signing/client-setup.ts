/**
 * What a Portage client needs to verify the farm's binpkgs: the public keys (served at a fixed URL)
 * and the commands that put them into Portage's verification keyring with the trust Portage demands.
 * Portage (gpkg.py `_check_gpg_status`) accepts a signature only with GOODSIG and TRUST_FULLY or
 * TRUST_ULTIMATE from BINPKG_GPG_VERIFY_GPG_HOME (default /etc/portage/gnupg), and runs gpg there with
 * --no-auto-check-trustdb: new ownertrust counts only after `--check-trustdb`.
 */
import { exportPublicKeys } from './gpg.ts';
import type { ResolvedSigning } from './config.ts';

/** The fixed path the public keys are served at, beside the partitions. */
export const KEYS_DOCUMENT = 'binfarm-keys.asc';

/** Portage's verification keyring (make.conf BINPKG_GPG_VERIFY_GPG_HOME default). */
export const PORTAGE_GNUPG = '/etc/portage/gnupg';

export async function publicKeysDocument(signing: ResolvedSigning): Promise<string> {
  return exportPublicKeys(signing, signing.published);
}

/** Shell lines for a client, as root (shown to the user, never run by binfarm). */
export function keyImportCommands(keysUrl: string, signing: Pick<ResolvedSigning, 'published'>): string[] {
  const g = `gpg --homedir ${PORTAGE_GNUPG} --batch`;
  return [
    `getuto   # creates ${PORTAGE_GNUPG}, Portage's verification keyring, when it is missing (app-portage/getuto)`,
    `install -d -m 0755 ${PORTAGE_GNUPG}   # Portage verifies as an unprivileged user: a 0700 keyring reads as "No public key"`,
    `wget -O /tmp/binfarm-keys.asc ${keysUrl}`,
    `gpg --show-keys --with-fingerprint /tmp/binfarm-keys.asc   # compare with: ${signing.published.join(', ')}`,
    `${g} --import /tmp/binfarm-keys.asc`,
    `printf '%s:6:\\n' ${signing.published.join(' ')} | ${g} --import-ownertrust`,
    `${g} --check-trustdb`,
    `chmod a+r ${PORTAGE_GNUPG}/pubring.kbx ${PORTAGE_GNUPG}/trustdb.gpg   # Portage verifies as nobody`,
  ];
}
