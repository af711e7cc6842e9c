/**
 * `binhost.signing: { key, gpgHome? }`, the group's signing key. Its schema belongs to binpkg
 * signing (core/config/schema/); read through this one accessor so provenance does not depend
 * on where the schema puts it.
 */
import type { BinfarmOptions } from '../config/schema/index.ts';

export interface SigningConfig {
  /** Fingerprint, key id or uid of the secret key in the keyring. */
  key: string;
  /** The GnuPG home with the key; relative paths resolve against the config file's directory. */
  gpgHome?: string | undefined;
}

export function signingOf(options: Pick<BinfarmOptions, 'binhost'>): SigningConfig | undefined {
  const s = (options.binhost as { signing?: SigningConfig | undefined }).signing;
  return s?.key ? s : undefined;
}
