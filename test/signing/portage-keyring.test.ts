import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSigning } from '../../core/signing/config.ts';
import { signingMounts } from '../../core/signing/container-mounts.ts';
import { signDetached } from '../../core/signing/gpg.ts';
import { preparePortageKeyring } from '../../core/signing/portage-keyring.ts';
import { testKeyring } from '../helpers/gpg-keys.ts';

test('the build containers’ verification keyring passes Portage’s check (GOODSIG + full/ultimate trust) for current and previous keys', async (t) => {
  const ring = await testKeyring();
  const state = await mkdtemp(join(tmpdir(), 'bf-state-'));
  t.teardown(async () => {
    await ring.cleanup();
    await rm(state, { recursive: true, force: true });
  });
  const oldKey = await ring.addKey('Old <old@example.org>');
  const newKey = await ring.addKey('New <new@example.org>');
  const signing = await resolveSigning({ key: newKey, gpgHome: ring.gpgHome, previousKeys: [oldKey] }, state);
  const dir = await preparePortageKeyring(state, signing);
  t.is(await preparePortageKeyring(state, signing), dir, 'made once');
  t.is((await stat(join(dir, 'pubring.kbx'))).mode & 0o004, 0o004, 'readable by nobody, as Portage verifies');
  // No secret key in it.
  const secret = await execa('gpg', ['--batch', '--homedir', dir, '--list-secret-keys', '--with-colons'], { reject: false });
  t.notRegex(secret.stdout, /^sec:/m);
  for (const k of [newKey, oldKey]) {
    const sig = await signDetached(ring, k, 'member bytes');
    const tmp = join(state, 'm.sig');
    await (await import('node:fs/promises')).writeFile(tmp, sig);
    const r = await execa('gpg', ['--verify', '--batch', '--no-tty', '--no-auto-check-trustdb', '--status-fd', '2', '--homedir', dir, tmp, '-'], {
      input: 'member bytes',
    });
    t.regex(r.stderr, /^\[GNUPG:\] GOODSIG /m);
    t.regex(r.stderr, /^\[GNUPG:\] TRUST_(FULLY|ULTIMATE)/m);
  }
  await execa('gpgconf', ['--homedir', dir, '--kill', 'all'], { reject: false });
  t.deepEqual(await signingMounts({ key: newKey, gpgHome: ring.gpgHome, previousKeys: [oldKey] }, state, state), [
    { type: 'bind', source: dir, target: '/etc/portage/gnupg', readOnly: true },
  ]);
  t.deepEqual(await signingMounts(undefined, state, state), []);
});
