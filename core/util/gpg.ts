/**
 * Detached OpenPGP signature checks with gpg, in an isolated GNUPGHOME that holds only the key the
 * user configured, so nothing in the user's keyring (or its trust settings) can vouch for a file.
 * The verdict is read from gpg's machine status lines: a `VALIDSIG` whose primary-key fingerprint is
 * the configured key's, and no `REVKEYSIG`/`BADSIG`.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BinfarmError } from '../errors.ts';

export interface VerifySignatureOptions {
  /** The signed file. */
  file: string;
  /** The detached signature (`.asc`, `.gpgsig`, `.sig`). */
  signature: string;
  /** Armoured/binary public key file, or a fingerprint present in the user's keyring. */
  key: string;
  /** Anchor for a relative key path. */
  rootDir: string;
}

function normalizeFingerprint(s: string): string | undefined {
  const hex = s.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();
  return /^[0-9A-F]{40}$|^[0-9A-F]{64}$/.test(hex) ? hex : undefined;
}

export async function verifyDetachedSignature(opts: VerifySignatureOptions): Promise<{ fingerprint: string }> {
  const { execa } = await import('execa');
  const home = await mkdtemp(join(tmpdir(), 'binfarm-gpg-'));
  const gpg = (args: string[], input?: Buffer | string) =>
    execa('gpg', ['--batch', '--no-tty', '--no-autostart', '--homedir', home, ...args], {
      reject: false,
      encoding: 'buffer',
      ...(input !== undefined ? { input } : {}),
    });
  try {
    const keyPath = resolve(opts.rootDir, opts.key);
    const fromFile = await stat(keyPath).then((s) => s.isFile(), () => false);
    const wanted = fromFile ? undefined : normalizeFingerprint(opts.key);
    if (!fromFile && !wanted) {
      throw new BinfarmError('E_SIGNATURE', `gpgKey "${opts.key}" is neither a key file (looked for ${keyPath}) nor a fingerprint`, {
        hint: 'Give the path of an armoured public key file, or the full 40-hex fingerprint of a key in your keyring (Gentoo release key: 13EBBDBEDE7A12775DFDB1BABB572E0E2D182910).',
      });
    }
    let keyData: Buffer;
    if (fromFile) {
      keyData = Buffer.from(await (await import('node:fs/promises')).readFile(keyPath));
    } else {
      const exported = await execa('gpg', ['--batch', '--no-tty', '--export', wanted!], { reject: false, encoding: 'buffer' });
      keyData = Buffer.from(exported.stdout);
      if (!keyData.length) {
        throw new BinfarmError('E_SIGNATURE', `key ${wanted} is not in your GnuPG keyring`, {
          hint: `Import it first (\`gpg --recv-keys ${wanted}\` or \`gpg --import key.asc\`), or set gpgKey to the key file's path.`,
        });
      }
    }
    const imported = await gpg(['--import'], keyData);
    if (imported.exitCode !== 0) {
      throw new BinfarmError('E_SIGNATURE', `cannot import the key ${opts.key}: ${Buffer.from(imported.stderr).toString().trim()}`, {
        hint: 'gpgKey must be an OpenPGP public key (armoured or binary).',
      });
    }
    const listing = Buffer.from((await gpg(['--with-colons', '--fingerprint', '--list-keys'])).stdout).toString();
    // Primary keys: a `pub` line followed by its `fpr` line.
    const primaries: string[] = [];
    const lines = listing.split('\n');
    lines.forEach((l, i) => {
      if (l.startsWith('pub:')) {
        const fpr = lines[i + 1]?.startsWith('fpr:') ? lines[i + 1]!.split(':')[9] : undefined;
        if (fpr) primaries.push(fpr.toUpperCase());
      }
    });
    const allowed = wanted ? primaries.filter((p) => p === wanted) : primaries;
    if (!allowed.length) throw new BinfarmError('E_SIGNATURE', `the key ${opts.key} holds no usable public key`);

    const r = await gpg(['--status-fd', '1', '--verify', opts.signature, opts.file]);
    const status = Buffer.from(r.stdout).toString();
    const valid = /^\[GNUPG:\] VALIDSIG (\S+)(?: \S+){8} (\S+)/m.exec(status) ?? /^\[GNUPG:\] VALIDSIG (\S+)/m.exec(status);
    const signer = (valid?.[2] ?? valid?.[1])?.toUpperCase();
    if (/^\[GNUPG:\] (BADSIG|REVKEYSIG)/m.test(status) || !valid) {
      const why = /^\[GNUPG:\] BADSIG/m.test(status)
        ? 'the signature does not match the file (BADSIG)'
        : /^\[GNUPG:\] NO_PUBKEY/m.test(status) || /^\[GNUPG:\] ERRSIG/m.test(status)
          ? `it was not made by the configured key ${opts.key}`
          : /^\[GNUPG:\] REVKEYSIG/m.test(status)
            ? 'the signing key is revoked'
            : Buffer.from(r.stderr).toString().trim().split('\n').pop() || 'gpg found no valid signature';
      throw new BinfarmError('E_SIGNATURE', `signature check of ${opts.file} with ${opts.signature} failed: ${why}`, {
        hint: 'Do not use this file. Download it again from a trusted mirror, and check that gpgKey is the key that signs these releases.',
        details: { file: opts.file, signature: opts.signature },
      });
    }
    if (!signer || !allowed.includes(signer)) {
      throw new BinfarmError('E_SIGNATURE', `${opts.file} is signed by ${signer ?? 'an unknown key'}, not by the configured key ${allowed.join(', ')}`, {
        hint: 'Set gpgKey to the key that signs these releases.',
      });
    }
    return { fingerprint: signer };
  } finally {
    // gpg-agent may have been started for the temp home; it exits once its socket dir is gone.
    await execa('gpgconf', ['--homedir', home, '--kill', 'all'], { reject: false }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}
