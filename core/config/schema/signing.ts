import { z } from 'zod';

/**
 * `binhost.signing`: the key binfarm signs new binpkgs with, on the host (docs/security.md).
 * No passphrase here, on purpose: it comes from gpg-agent or BINFARM_GPG_PASSPHRASE.
 */
export const BinhostSigningSchema = z.strictObject({
  /** The signing key: its full fingerprint (recommended), key id or e-mail, with its secret key in the keyring. */
  key: z.string().min(1),
  /** GnuPG home holding the key, relative to the config file; default gpg's own (GNUPGHOME or ~/.gnupg). */
  gpgHome: z.string().min(1).optional(),
  /**
   * Keys that signed earlier binpkgs and are still published beside `key` (rotation): their public keys
   * must be in the keyring; binpkgs they signed stay valid until a key is removed from this list.
   */
  previousKeys: z.array(z.string().min(1)).default([]),
});
