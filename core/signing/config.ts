/**
 * `binhost.signing` resolved against the keyring: fingerprints instead of whatever the user wrote,
 * the GnuPG home as an absolute path. A key that is not there fails here, naming the key and the
 * keyring, before anything is signed.
 */
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { BinhostSigningSchema } from '../config/schema/signing.ts';
import { withSigningContext } from './errors.ts';
import { keyInfo, type GpgHome } from './gpg.ts';

export type SigningConfig = z.output<typeof BinhostSigningSchema>;

export interface ResolvedSigning extends GpgHome {
  /** Fingerprint of the key that signs new binpkgs. */
  key: string;
  uid: string | undefined;
  /** Fingerprints of the earlier keys still accepted and published. */
  previous: string[];
  /** key + previous: what clients import and what `binhost verify` accepts. */
  published: string[];
}

/** `secret: false` for serving and verifying, which need only the public keys (a publishing host may not hold the secret key). */
export async function resolveSigning(cfg: SigningConfig, rootDir: string, opts: { secret?: boolean } = {}): Promise<ResolvedSigning> {
  const gpgHome = cfg.gpgHome === undefined ? undefined : isAbsolute(cfg.gpgHome) ? cfg.gpgHome : resolve(rootDir, cfg.gpgHome);
  const home: GpgHome = { gpgHome };
  const current = await withSigningContext('binhost.signing.key', keyInfo(home, cfg.key, { secret: opts.secret ?? true }));
  const previous: string[] = [];
  for (const [i, spec] of cfg.previousKeys.entries()) {
    previous.push((await withSigningContext(`binhost.signing.previousKeys[${i}]`, keyInfo(home, spec))).fingerprint);
  }
  return { gpgHome, key: current.fingerprint, uid: current.uid, previous, published: [...new Set([current.fingerprint, ...previous])] };
}
