/**
 * A small wrapper around the real `gpg` binary for signing binpkgs and provenance and checking them.
 *
 * - argv arrays only, always `--batch --no-tty`, the keyring named by `--homedir` when given;
 * - verdicts come from the `--status-fd` lines (gpg-status.ts), never from the localised stderr text;
 * - the passphrase of the signing key comes from a running gpg-agent, or from the environment variable
 *   BINFARM_GPG_PASSPHRASE, handed to gpg on its own pipe (`--passphrase-fd 3`, loopback pinentry).
 *   It is never read from the config file, never put on a command line, never logged
 *   (docs/security.md#the-passphrase).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { BinfarmError } from '../errors.ts';
import { parseVerifyStatus, type KeyValidity, type SignatureReport } from './gpg-status.ts';

export type { KeyValidity, SignatureReport, SignatureState } from './gpg-status.ts';

/** The environment variable that may hold the signing key's passphrase (docs/security.md). */
export const PASSPHRASE_ENV = 'BINFARM_GPG_PASSPHRASE';

export interface GpgHome {
  /** GnuPG home directory (`--homedir`); undefined = gpg's default (GNUPGHOME or ~/.gnupg). */
  gpgHome?: string | undefined;
}

/** Bytes for gpg: a buffer, a string, or a stream (a binpkg member read straight from the file). */
export type GpgInput = Uint8Array | string | NodeJS.ReadableStream;

export interface GpgRun {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
  status: string;
}

/** Runs gpg with `args` after the common options; `input` goes to stdin, `fd3` to a pipe gpg sees as fd 3; status lines come on fd 4. */
export function runGpg(home: GpgHome, args: string[], io: { input?: GpgInput; fd3?: Uint8Array | string } = {}): Promise<GpgRun> {
  const argv = ['--batch', '--no-tty', '--status-fd', '4', ...(home.gpgHome ? ['--homedir', home.gpgHome] : []), ...args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn('gpg', argv, { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const st: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    (child.stdio[4] as NodeJS.ReadableStream).on('data', (b: Buffer) => st.push(b));
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    // gpg may exit before reading a pipe (bad key, bad input): that EPIPE is not our error, its exit code is.
    fd3.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    if (io.fd3 === undefined) fd3.end();
    else fd3.end(io.fd3);
    if (io.input === undefined) child.stdin!.end();
    else if (typeof io.input === 'string' || io.input instanceof Uint8Array) child.stdin!.end(io.input);
    else io.input.pipe(child.stdin!);
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new BinfarmError('E_SIGNATURE', 'gpg (GnuPG) is not installed on this host', {
              hint: 'Install GnuPG 2.2 or newer (`apt-get install gnupg`, `emerge app-crypt/gnupg`): binfarm signs and checks binpkgs with it.',
            })
          : e,
      );
    });
    child.on('close', (code) => {
      resolvePromise({ exitCode: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), status: Buffer.concat(st).toString() });
    });
  });
}

function where(home: GpgHome): string {
  return home.gpgHome ? `the keyring in ${home.gpgHome}` : 'your default keyring (GNUPGHOME or ~/.gnupg)';
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}

export interface KeyInfo {
  /** Primary key fingerprint, upper-case hex. */
  fingerprint: string;
  /** First user id, e.g. `HEP group binhost <binhost@example.org>`. */
  uid: string | undefined;
}

/**
 * The one key that `spec` (fingerprint, key id, e-mail, uid) names in the keyring. With `secret`,
 * the secret key must be there too (signing). Fails naming the key and the keyring when none or several match.
 */
export async function keyInfo(home: GpgHome, spec: string, opts: { secret?: boolean } = {}): Promise<KeyInfo> {
  const kind = opts.secret ? 'secret' : 'public';
  const r = await runGpg(home, ['--with-colons', '--fingerprint', opts.secret ? '--list-secret-keys' : '--list-keys', '--', spec]);
  const keys: KeyInfo[] = [];
  let expectFpr = false;
  for (const line of r.stdout.toString().split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub' || f[0] === 'sec') {
      keys.push({ fingerprint: '', uid: undefined });
      expectFpr = true;
    } else if (f[0] === 'fpr' && expectFpr && keys.length) {
      keys[keys.length - 1]!.fingerprint = (f[9] ?? '').toUpperCase();
      expectFpr = false;
    } else if (f[0] === 'uid' && keys.length && keys[keys.length - 1]!.uid === undefined) {
      keys[keys.length - 1]!.uid = f[9];
    } else if (f[0] === 'sub' || f[0] === 'ssb') {
      expectFpr = false;
    }
  }
  if (!keys.length) {
    throw new BinfarmError('E_SIGNATURE', `the ${kind} key "${spec}" is not in ${where(home)}`, {
      hint: opts.secret
        ? `Create or import the signing key there (docs/security.md#key-setup-step-by-step), e.g. \`gpg${home.gpgHome ? ` --homedir ${home.gpgHome}` : ''} --import key.asc\`, or fix binhost.signing.key / gpgHome.`
        : `Import the public key there (\`gpg${home.gpgHome ? ` --homedir ${home.gpgHome}` : ''} --import key.asc\`).`,
      details: { key: spec, gpgHome: home.gpgHome, gpg: lastLine(r.stderr) },
    });
  }
  if (keys.length > 1) {
    throw new BinfarmError('E_SIGNATURE', `"${spec}" names ${keys.length} keys in ${where(home)}: ${keys.map((k) => k.fingerprint).join(', ')}`, {
      hint: 'Give the full fingerprint of the one key you mean.',
      details: { key: spec, gpgHome: home.gpgHome },
    });
  }
  return keys[0]!;
}

/** The primary fingerprint of the key `spec` names (see keyInfo). */
export async function keyFingerprint(home: GpgHome, spec: string, opts: { secret?: boolean } = {}): Promise<string> {
  return (await keyInfo(home, spec, opts)).fingerprint;
}

/** The passphrase from the environment, or undefined to let gpg-agent supply it. */
function passphraseFromEnv(): string | undefined {
  const p = process.env[PASSPHRASE_ENV];
  return p === undefined || p === '' ? undefined : p;
}

async function sign(home: GpgHome, key: string, mode: '--detach-sign' | '--clearsign', data: GpgInput): Promise<string> {
  const passphrase = passphraseFromEnv();
  const loopback = passphrase === undefined ? [] : ['--pinentry-mode', 'loopback', '--passphrase-fd', '3'];
  const args = [...loopback, '--armor', '--local-user', key, '--digest-algo', 'SHA512', mode, '--output', '-'];
  const r = await runGpg(home, args, { input: data, ...(passphrase === undefined ? {} : { fd3: `${passphrase}\n` }) });
  if (r.exitCode !== 0 || !/^\[GNUPG:\] SIG_CREATED /m.test(r.status)) {
    // gpg's own words (not the passphrase: it never reaches stderr) say what went wrong.
    const missingPass = /^\[GNUPG:\] (MISSING_PASSPHRASE|BAD_PASSPHRASE)/m.test(r.status) || /^\[GNUPG:\] PINENTRY_LAUNCHED/m.test(r.status);
    throw new BinfarmError('E_SIGNATURE', `gpg could not sign with the key "${key}" from ${where(home)}: ${lastLine(r.stderr) || `exit ${r.exitCode}`}`, {
      hint: missingPass
        ? `The key needs a passphrase: start gpg-agent with it cached, or set ${PASSPHRASE_ENV} in the environment (never in the config file).`
        : 'Check that the secret key is in that keyring and usable for signing (`gpg --list-secret-keys`).',
      details: { key, gpgHome: home.gpgHome },
    });
  }
  return r.stdout.toString();
}

/** An armoured detached signature (`-----BEGIN PGP SIGNATURE-----`) over exactly `data`. */
export function signDetached(home: GpgHome, key: string, data: GpgInput): Promise<string> {
  return sign(home, key, '--detach-sign', data);
}

/** An armoured detached signature over the bytes of `file`. */
export async function signDetachedFile(home: GpgHome, key: string, file: string): Promise<string> {
  return sign(home, key, '--detach-sign', createReadStream(file));
}

/** `text` wrapped in a cleartext signature (`-----BEGIN PGP SIGNED MESSAGE-----`), as Portage's Manifest. */
export function clearsign(home: GpgHome, key: string, text: Uint8Array | string): Promise<string> {
  return sign(home, key, '--clearsign', text);
}

export interface VerifyResult {
  /** Exactly one signature, and it is good (not bad, expired, revoked or made by an unknown key). */
  valid: boolean;
  /** Fingerprint of the primary key that signed (VALIDSIG); undefined when gpg could not check the signature. */
  fingerprint: string | undefined;
  /** Fingerprint of the (sub)key that made the signature. */
  signingKey: string | undefined;
  /** The key id gpg names even when the key is missing: say "signed by 0123… which is not in the keyring". */
  keyId: string | undefined;
  validity: KeyValidity;
  /** Every signature found (normally one). */
  signatures: SignatureReport[];
  /** gpg's last stderr line, for messages. */
  message: string;
}

function verdict(r: GpgRun): VerifyResult {
  const signatures = parseVerifyStatus(r.status);
  const first = signatures[0];
  const valid = r.exitCode === 0 && signatures.length === 1 && first!.state === 'good' && first!.fingerprint !== undefined;
  return {
    valid,
    fingerprint: first?.primaryFingerprint,
    signingKey: first?.fingerprint,
    keyId: first?.keyId,
    validity: first?.validity ?? 'unknown',
    signatures,
    message: lastLine(r.stderr) || (signatures.length ? '' : 'no signature found'),
  };
}

/** Checks a detached signature (armoured or binary, in `signature`) over exactly `data`. Never throws for a bad signature. */
export async function verifyDetached(home: GpgHome, data: GpgInput, signature: Uint8Array | string): Promise<VerifyResult> {
  // The signature goes through a pipe of its own (fd 3; sockets cannot be opened as /dev/fd/3, hence `-&3`), the data on stdin.
  const r = await runGpg(home, ['--enable-special-filenames', '--verify', '--', '-&3', '-'], { input: data, fd3: signature });
  return verdict(r);
}

/** Checks a cleartext-signed text and returns the signed content as gpg extracted it (only meaningful when valid). */
export async function verifyClearsigned(home: GpgHome, signed: Uint8Array | string): Promise<VerifyResult & { content: Buffer }> {
  // `--decrypt` on a cleartext signature prints exactly the signed text (dash-escaping undone) and verifies it.
  const r = await runGpg(home, ['--decrypt'], { input: signed });
  return { ...verdict(r), content: r.stdout };
}

/** The armoured public keys of `specs` (fingerprints), one block; fails naming a key that is not in the keyring. */
export async function exportPublicKeys(home: GpgHome, specs: string[]): Promise<string> {
  for (const s of specs) await keyInfo(home, s);
  const r = await runGpg(home, ['--armor', '--export-options', 'export-clean', '--export', '--', ...specs]);
  if (r.exitCode !== 0 || !r.stdout.length) {
    throw new BinfarmError('E_SIGNATURE', `gpg could not export ${specs.join(', ')} from ${where(home)}: ${lastLine(r.stderr)}`, {
      details: { keys: specs, gpgHome: home.gpgHome },
    });
  }
  return r.stdout.toString();
}

/** Imports armoured or binary keys into the keyring `home`; returns the primary fingerprints gpg reported. */
export async function importKeys(home: GpgHome, keys: Uint8Array | string): Promise<string[]> {
  const r = await runGpg(home, ['--import'], { input: keys });
  const fprs = [...r.status.matchAll(/^\[GNUPG:\] IMPORT_OK \d+ (\S+)/gm)].map((m) => m[1]!.toUpperCase());
  if (r.exitCode !== 0 && !fprs.length) {
    throw new BinfarmError('E_SIGNATURE', `gpg could not import keys into ${where(home)}: ${lastLine(r.stderr)}`, { details: { gpgHome: home.gpgHome } });
  }
  return [...new Set(fprs)];
}
