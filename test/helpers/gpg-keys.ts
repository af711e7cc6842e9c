/**
 * Throwaway OpenPGP keys for tests: a fresh GnuPG home per test in a short temp path (gpg-agent's
 * socket path must stay under 108 bytes), keys made with `gpg --quick-gen-key`, and a cleanup that
 * stops the agent gpg started for that home (no processes left behind).
 */
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKeyring {
  gpgHome: string;
  /** Makes a signing key for `uid` (no passphrase unless given) and returns its primary fingerprint. */
  addKey(uid: string, passphrase?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function testKeyring(): Promise<TestKeyring> {
  const gpgHome = await mkdtemp(join(tmpdir(), 'bf-gpg-'));
  const base = ['--batch', '--no-tty', '--homedir', gpgHome];
  return {
    gpgHome,
    async addKey(uid, passphrase = '') {
      await execa('gpg', [...base, '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], {
        input: passphrase,
      });
      const { stdout } = await execa('gpg', [...base, '--with-colons', '--fingerprint', '--list-keys', '--', uid]);
      return stdout
        .split('\n')
        .find((l) => l.startsWith('fpr:'))!
        .split(':')[9]!;
    },
    async cleanup() {
      await execa('gpgconf', ['--homedir', gpgHome, '--kill', 'all'], { reject: false });
      await rm(gpgHome, { recursive: true, force: true });
    },
  };
}
