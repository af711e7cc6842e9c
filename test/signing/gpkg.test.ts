import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPublicKeys } from '../../core/signing/gpg.ts';
import { signGpkg } from '../../core/signing/gpkg-sign.ts';
import { verifyGpkgSignatures } from '../../core/signing/gpkg-verify.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';
import { makeUnsignedGpkg } from './helpers.ts';

async function setup(t: import('ava').ExecutionContext) {
  const ring = await testKeyring();
  const dir = await mkdtemp(join(tmpdir(), 'bf-sign-'));
  t.teardown(async () => {
    await ring.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  const fpr = await ring.addKey('Binhost <binhost@example.org>');
  const file = join(dir, 'hello-1.0-1.gpkg.tar');
  await makeUnsignedGpkg(file);
  return { ring, dir, fpr, file };
}

test('a signed GPKG has Portage’s layout and verifies with plain gpg the way Portage checks it', async (t) => {
  const { ring, dir, fpr, file } = await setup(t);
  const before = await verifyGpkgSignatures(file, ring);
  t.false(before.signed);
  await signGpkg(file, { ...ring, key: fpr });

  const { stdout } = await execa('tar', ['-tf', file]);
  t.deepEqual(stdout.split('\n'), [
    'hello-1.0-1/gpkg-1',
    'hello-1.0-1/metadata.tar',
    'hello-1.0-1/metadata.tar.sig',
    'hello-1.0-1/image.tar',
    'hello-1.0-1/image.tar.sig',
    'hello-1.0-1/Manifest',
  ]);
  // A client keyring as Portage keeps it (/etc/portage/gnupg): the public key, trusted; then Portage's
  // BINPKG_GPG_VERIFY_BASE_COMMAND over the extracted members.
  const client = await testKeyring();
  t.teardown(() => client.cleanup());
  const x = join(dir, 'x');
  await execa('mkdir', [x]);
  await execa('tar', ['-xf', file, '-C', x]);
  await execa('gpg', ['--batch', '--homedir', client.gpgHome, '--import'], { input: await exportPublicKeys(ring, [fpr]) });
  await execa('gpg', ['--batch', '--homedir', client.gpgHome, '--import-ownertrust'], { input: `${fpr}:6:\n` });
  // Portage verifies with --no-auto-check-trustdb: the new ownertrust counts only after a trustdb check.
  await execa('gpg', ['--batch', '--homedir', client.gpgHome, '--check-trustdb']);
  const portageVerify = ['--verify', '--batch', '--no-tty', '--no-auto-check-trustdb', '--status-fd', '2', '--homedir', client.gpgHome];
  for (const m of ['metadata.tar', 'image.tar']) {
    const r = await execa('gpg', [...portageVerify, join(x, 'hello-1.0-1', `${m}.sig`), '-'], { input: await readFile(join(x, 'hello-1.0-1', m)) });
    t.regex(r.stderr, /^\[GNUPG:\] GOODSIG /m);
    t.regex(r.stderr, /^\[GNUPG:\] TRUST_(ULTIMATE|FULLY)/m);
  }
  const manifest = await execa('gpg', [...portageVerify, '--output', '-', '-'], { input: await readFile(join(x, 'hello-1.0-1', 'Manifest')) });
  t.regex(manifest.stderr, /^\[GNUPG:\] GOODSIG /m);
  // The signed Manifest lists every member but itself, with sizes and both of Portage's hashes that match.
  const lines = manifest.stdout.trim().split('\n');
  t.deepEqual(
    lines.map((l) => l.split(' ')[1]),
    ['gpkg-1', 'metadata.tar', 'metadata.tar.sig', 'image.tar', 'image.tar.sig'],
  );
  for (const l of lines) {
    const [, name, size, a1, h1, a2, h2] = l.split(' ');
    const bytes = await readFile(join(x, 'hello-1.0-1', name!));
    t.is(Number(size), bytes.length);
    t.deepEqual([a1, a2], ['BLAKE2B', 'SHA512']);
    t.is(h1, (await import('node:crypto')).createHash('blake2b512').update(bytes).digest('hex'));
    t.is(h2, (await import('node:crypto')).createHash('sha512').update(bytes).digest('hex'));
  }
  // The image member is still the very same bytes (copied, not re-packed).
  const ours = await verifyGpkgSignatures(file, ring, [fpr]);
  t.deepEqual(ours.problems, []);
  t.is(ours.signer, fpr);
  t.deepEqual(ours.members, { 'metadata.tar': fpr, 'image.tar': fpr });
});

test('a changed byte in a member, or an edited Manifest, is named', async (t) => {
  const { ring, fpr, file } = await setup(t);
  await signGpkg(file, { ...ring, key: fpr });
  const good = await readFile(file);
  // Flip one byte of image.tar's payload ("hello world"), keeping sizes.
  const at = good.indexOf('hello world');
  t.true(at > 0);
  const tampered = Buffer.from(good);
  tampered[at] = 'j'.charCodeAt(0);
  await writeFile(file, tampered);
  const r = await verifyGpkgSignatures(file, ring, [fpr]);
  t.true(
    r.problems.some((p) => /^image\.tar\.sig: BAD signature/.test(p)),
    r.problems.join('; '),
  );
  t.true(r.problems.some((p) => /^image\.tar: SHA512 does not match/.test(p)));
  t.false(r.problems.some((p) => p.startsWith('metadata.tar')));

  // Manifest: change one hex digit of a hash inside the signed text.
  const m = good.indexOf('DATA metadata.tar ');
  const hex = good.indexOf('SHA512 ', m) + 7;
  const edited = Buffer.from(good);
  edited[hex] = edited[hex] === 0x30 ? 0x31 : 0x30;
  await writeFile(file, edited);
  const r2 = await verifyGpkgSignatures(file, ring, [fpr]);
  t.true(
    r2.problems.some((p) => /^Manifest: BAD signature/.test(p)),
    r2.problems.join('; '),
  );
});

test('a package signed by a key that is not the binhost’s is named with that key', async (t) => {
  const { ring, fpr, file } = await setup(t);
  const other = await ring.addKey('Intruder <x@example.org>');
  await signGpkg(file, { ...ring, key: other });
  const r = await verifyGpkgSignatures(file, ring, [fpr]);
  t.true(r.problems.some((p) => p.includes(`signed by ${other}`)));
});
