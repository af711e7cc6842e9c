import test from 'ava';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clearsign,
  exportPublicKeys,
  importKeys,
  keyFingerprint,
  PASSPHRASE_ENV,
  signDetached,
  verifyClearsigned,
  verifyDetached,
} from '../../core/signing/gpg.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';

test('a detached signature verifies with plain gpg and names the key; a changed byte does not', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const fpr = await ring.addKey('Binhost A <a@example.org>');
  const data = Buffer.from('exact member bytes\n\0\x01');
  const sig = await signDetached(ring, fpr, data);
  t.regex(sig, /^-----BEGIN PGP SIGNATURE-----/);
  // Plain gpg, as Portage runs it, over files.
  await writeFile(join(ring.gpgHome, 'd'), data);
  await writeFile(join(ring.gpgHome, 'd.sig'), sig);
  const plain = await execa('gpg', [
    '--batch',
    '--homedir',
    ring.gpgHome,
    '--status-fd',
    '1',
    '--verify',
    join(ring.gpgHome, 'd.sig'),
    join(ring.gpgHome, 'd'),
  ]);
  t.regex(plain.stdout, new RegExp(`VALIDSIG ${fpr}`));

  const ok = await verifyDetached(ring, data, sig);
  t.true(ok.valid);
  t.is(ok.fingerprint, fpr);
  t.is(ok.validity, 'ultimate'); // own key made here: ultimately trusted
  const bad = await verifyDetached(ring, Buffer.from('exact member bytes\n\0\x02'), sig);
  t.false(bad.valid);
  t.is(bad.signatures[0]?.state, 'bad');
});

test('a signature by a key not in the keyring is reported with its key id, not valid', async (t) => {
  const a = await testKeyring();
  const b = await testKeyring();
  t.teardown(async () => {
    await a.cleanup();
    await b.cleanup();
  });
  const fpr = await a.addKey('A <a@example.org>');
  await b.addKey('B <b@example.org>');
  const sig = await signDetached(a, fpr, 'x');
  const r = await verifyDetached(b, 'x', sig);
  t.false(r.valid);
  t.is(r.signatures[0]?.state, 'no-public-key');
  t.true(fpr.endsWith(r.keyId!));
  // After importing A's exported public key, B checks it, with undefined trust (nobody certified A).
  t.deepEqual(await importKeys(b, await exportPublicKeys(a, [fpr])), [fpr]);
  const r2 = await verifyDetached(b, 'x', sig);
  t.true(r2.valid);
  t.is(r2.fingerprint, fpr);
  t.is(r2.validity, 'undefined');
});

test('clearsign round-trips the exact text; an edited line fails', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const fpr = await ring.addKey('C <c@example.org>');
  const text = 'DATA metadata.tar.zst 123 SHA512 ab BLAKE2B cd\n-dash line\n';
  const signed = await clearsign(ring, fpr, text);
  t.regex(signed, /^-----BEGIN PGP SIGNED MESSAGE-----/);
  const ok = await verifyClearsigned(ring, signed);
  t.true(ok.valid);
  t.is(ok.fingerprint, fpr);
  t.is(ok.content.toString(), text);
  const bad = await verifyClearsigned(ring, signed.replace('123', '124'));
  t.false(bad.valid);
});

test('a key not in the keyring is named with the keyring; a passphrase comes from the environment', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const err = await t.throwsAsync(keyFingerprint(ring, 'nobody@example.org', { secret: true }));
  t.regex(err!.message, /nobody@example\.org/);
  t.regex(err!.message, new RegExp(ring.gpgHome));

  const fpr = await ring.addKey('P <p@example.org>', 'sekrit words');
  t.is(await keyFingerprint(ring, 'p@example.org', { secret: true }), fpr);
  // A fresh agent has nothing cached: without the variable, batch signing fails with a hint; with it, it works.
  const before = process.env[PASSPHRASE_ENV];
  t.teardown(() => {
    if (before === undefined) delete process.env[PASSPHRASE_ENV];
    else process.env[PASSPHRASE_ENV] = before;
  });
  await execa('gpgconf', ['--homedir', ring.gpgHome, '--kill', 'gpg-agent']);
  delete process.env[PASSPHRASE_ENV];
  const noPass = await t.throwsAsync(signDetached(ring, fpr, 'y'));
  t.regex((noPass as { hint?: string }).hint ?? '', new RegExp(PASSPHRASE_ENV));
  t.notRegex(noPass!.message, /sekrit/);
  process.env[PASSPHRASE_ENV] = 'sekrit words';
  const sig = await signDetached(ring, fpr, 'y');
  t.true((await verifyDetached(ring, 'y', sig)).valid);
});
