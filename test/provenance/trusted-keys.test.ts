/**
 * Which keys `binfarm verify` trusts (core/verify/trusted-keys.ts), with real gpg and throwaway
 * keys: inside a farm only binhost.signing.key and previousKeys — a statement signed by another
 * key of the same keyring is rejected, naming the key; --key files only the keys they hold; with
 * neither, a usage error that says how to name a key.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkStatementSignature } from '../../core/provenance/sign.ts';
import { exportPublicKeys, signDetached } from '../../core/signing/gpg.ts';
import { trustedKeysFor } from '../../core/verify/trusted-keys.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';

const statement = '{"_type":"https://in-toto.io/Statement/v1"}\n';
const farmOf = (gpgHome: string, key: string, previousKeys: string[] = []) => ({
  options: { binhost: { signing: { key, gpgHome, previousKeys } } } as never,
  rootDir: '/',
});

test.serial('inside a farm: only binhost.signing.key and previousKeys are trusted, not every key of the keyring', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const farmKey = await ring.addKey('Farm <farm@example.org>');
  const oldKey = await ring.addKey('Old farm key <old@example.org>');
  const stranger = await ring.addKey('Someone else <else@example.org>');

  const choice = await trustedKeysFor(undefined, farmOf(ring.gpgHome, farmKey, [oldKey]), '/');
  t.deepEqual(choice.trusted, [
    { fingerprint: farmKey, from: 'binhost.signing.key' },
    { fingerprint: oldKey, from: 'binhost.signing.previousKeys[0]' },
  ]);
  const byFarm = await checkStatementSignature(statement, await signDetached(ring, farmKey, statement), choice.keys);
  t.deepEqual(byFarm, { ok: true, detail: `good signature by ${farmKey}` });
  t.true((await checkStatementSignature(statement, await signDetached(ring, oldKey, statement), choice.keys)).ok, 'a rotated-out key still verifies');
  const byStranger = await checkStatementSignature(statement, await signDetached(ring, stranger, statement), choice.keys);
  t.false(byStranger.ok, 'a key in the keyring that the farm does not name is not trusted');
  t.is(byStranger.detail, `good signature by ${stranger}, which is not a trusted key (trusted: ${farmKey}, ${oldKey})`);
});

test.serial('--key files: only the keys they hold, in a keyring of their own; neither key nor farm: a usage error naming both ways', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const farmKey = await ring.addKey('Farm <farm@example.org>');
  const stranger = await ring.addKey('Someone else <else@example.org>');
  await writeFile(join(ring.gpgHome, 'farm.asc'), await exportPublicKeys(ring, [farmKey]));
  // --key wins over the farm's keyring (which also holds the stranger's key).
  const choice = await trustedKeysFor(['farm.asc'], farmOf(ring.gpgHome, stranger), ring.gpgHome);
  t.teardown(() => choice.dispose());
  t.deepEqual(choice.trusted, [{ fingerprint: farmKey, from: '--key farm.asc' }]);
  t.not(choice.keys.gpgHome, ring.gpgHome);
  t.true((await checkStatementSignature(statement, await signDetached(ring, farmKey, statement), choice.keys)).ok);
  t.false((await checkStatementSignature(statement, await signDetached(ring, stranger, statement), choice.keys)).ok);

  const none = await t.throwsAsync(trustedKeysFor(undefined, undefined, '/'));
  t.is((none as { code?: string }).code, 'E_USAGE');
  t.is(none!.message, 'no key to check the signature with');
  t.regex((none as unknown as { hint: string }).hint, /--key <file\.asc>.*binhost\.signing\.key/);
  const missing = await t.throwsAsync(trustedKeysFor(['nope.asc'], undefined, ring.gpgHome));
  t.regex(missing!.message, /cannot read the public key file .*nope\.asc/);
});
