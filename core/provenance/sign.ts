/**
 * Signing and checking statements with the group's key through core/signing/gpg.ts: an armoured
 * detached OpenPGP signature over the statement's exact bytes (the same kind of signature as the
 * binpkgs' `.sig` members; docs/security.md says why not a DSSE envelope). The private key stays
 * in the configured keyring (`binhost.signing.gpgHome`, relative to the config file).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';
import { BinfarmError } from '../errors.ts';
import { importKeys, signDetached, verifyDetached } from '../signing/gpg.ts';
import { signingOf } from './signing-config.ts';

/** The signature, or undefined when the farm has no signing key (`binhost.signing` unset). */
export async function signStatement(run: { options: BinfarmOptions; rootDir: string }, statement: string): Promise<string | undefined> {
  const s = signingOf(run.options);
  if (!s) return undefined;
  return signDetached({ gpgHome: s.gpgHome ? resolve(run.rootDir, s.gpgHome) : undefined }, s.key, statement);
}

/** Whose keys a signature may be made with: armoured public key files, else a keyring. */
export interface TrustedKeys {
  keyFiles?: string[];
  gpgHome?: string;
  /** Primary fingerprints a good signature must be made by; other keys in the keyring are not trusted. */
  fingerprints?: string[];
}

export interface SignatureCheck {
  ok: boolean;
  /** `signed by <fingerprint>` or why not. */
  detail: string;
}

export async function checkStatementSignature(statement: string, signature: string, keys: TrustedKeys): Promise<SignatureCheck> {
  let home = keys.gpgHome;
  let temp: string | undefined;
  try {
    if (keys.keyFiles?.length) {
      temp = home = await mkdtemp(join(tmpdir(), 'binfarm-verify-gpg-'));
      for (const f of keys.keyFiles) {
        const bytes = await readFile(f).catch((e: unknown) => {
          throw new BinfarmError('E_USAGE', `cannot read the public key file ${f}: ${(e as Error).message}`, { cause: e });
        });
        await importKeys({ gpgHome: home }, bytes);
      }
    }
    const r = await verifyDetached({ gpgHome: home }, statement, signature);
    if (r.valid && keys.fingerprints && !keys.fingerprints.includes(r.fingerprint!)) {
      return { ok: false, detail: `good signature by ${r.fingerprint}, which is not a trusted key (trusted: ${keys.fingerprints.join(', ')})` };
    }
    if (r.valid) return { ok: true, detail: `good signature by ${r.fingerprint}` };
    const who = r.keyId ? ` (key ${r.keyId}${r.fingerprint ? '' : ', not among the trusted keys'})` : '';
    return { ok: false, detail: `bad or untrusted signature${who}: ${r.message || r.signatures.map((s) => s.state).join(', ')}` };
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}
