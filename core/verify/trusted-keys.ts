/**
 * Which keys `binfarm verify` trusts: the public key files named with `--key`, else the farm's
 * configured signing keys (`binhost.signing.key` and `previousKeys`, as `binhost verify` accepts
 * them) — never any other key that happens to be in the keyring. Neither: a usage error saying
 * how to name one.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';
import { BinfarmError } from '../errors.ts';
import type { TrustedKeys } from '../provenance/sign.ts';
import { resolveSigning } from '../signing/config.ts';
import { importKeys } from '../signing/gpg.ts';

export interface TrustedKey {
  fingerprint: string;
  /** Where it was named: `--key <file>`, `binhost.signing.key`, `binhost.signing.previousKeys[0]`. */
  from: string;
}

export interface KeyChoice {
  keys: TrustedKeys;
  trusted: TrustedKey[];
  /** Removes the temporary keyring of `--key` files. */
  dispose(): Promise<void>;
}

export async function trustedKeysFor(
  keyFiles: string[] | undefined,
  farm: { options: Pick<BinfarmOptions, 'binhost'>; rootDir: string } | undefined,
  cwd: string,
): Promise<KeyChoice> {
  if (keyFiles?.length) {
    // A keyring of their own: only the named keys are in it.
    const home = await mkdtemp(join(tmpdir(), 'binfarm-verify-gpg-'));
    try {
      const trusted: TrustedKey[] = [];
      for (const k of keyFiles) {
        const file = resolve(cwd, k);
        const bytes = await readFile(file).catch((e: unknown) => {
          throw new BinfarmError('E_USAGE', `cannot read the public key file ${file}: ${(e as Error).message}`, { cause: e });
        });
        const fprs = await importKeys({ gpgHome: home }, bytes);
        if (!fprs.length) throw new BinfarmError('E_USAGE', `${file} holds no public key`, { hint: 'Pass the armoured public key `binfarm serve` publishes.' });
        trusted.push(...fprs.map((fingerprint) => ({ fingerprint, from: `--key ${k}` })));
      }
      return { keys: { gpgHome: home, fingerprints: trusted.map((t) => t.fingerprint) }, trusted, dispose: () => rm(home, { recursive: true, force: true }) };
    } catch (e) {
      await rm(home, { recursive: true, force: true });
      throw e;
    }
  }
  const signing = farm?.options.binhost.signing;
  if (!signing) {
    throw new BinfarmError('E_USAGE', 'no key to check the signature with', {
      hint:
        "Name the key to trust: pass the group's public key with --key <file.asc> (what `binfarm serve` publishes), " +
        'or run inside a farm whose config sets binhost.signing.key (and binhost.signing.previousKeys for rotated keys).',
    });
  }
  const s = await resolveSigning(signing, farm!.rootDir, { secret: false });
  const trusted = [
    { fingerprint: s.key, from: 'binhost.signing.key' },
    ...s.previous.map((fingerprint, i) => ({ fingerprint, from: `binhost.signing.previousKeys[${i}]` })),
  ];
  return { keys: { ...(s.gpgHome ? { gpgHome: s.gpgHome } : {}), fingerprints: trusted.map((t) => t.fingerprint) }, trusted, dispose: async () => {} };
}
