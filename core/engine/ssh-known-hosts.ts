/**
 * The SSH host key check for `ssh://` engines, as OpenSSH does it with StrictHostKeyChecking=yes:
 * the key the server shows must be in a known_hosts file (OpenSSH's format: plain, `[host]:port`,
 * hashed `|1|salt|hash` and wildcard entries, `@revoked`), else the connection is refused. A
 * host is never trusted on first use: binfarm runs unattended, where no one can compare a
 * fingerprint, so an unknown host fails with its fingerprint and the command that adds it.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KnownHostKey {
  /** The key's algorithm as written in the file, e.g. `ssh-ed25519`. */
  type: string;
  /** The public key blob (SSH wire format), base64-decoded. */
  blob: Buffer;
  revoked: boolean;
  file: string;
  line: number;
}

export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; why: 'unknown'; type: string; fingerprint: string }
  | { ok: false; why: 'changed' | 'revoked'; type: string; fingerprint: string; file: string; line: number };

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` on any other. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** One host field (comma-separated patterns, `!` negates, or one `|1|salt|hash`) against the name. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatches(p.slice(1), name)) return false;
    } else if (globMatches(p, name)) matched = true;
  }
  return matched;
}

/** The keys the files hold for `name`; a file that does not exist holds none. */
export function knownKeysFor(files: string[], name: string): KnownHostKey[] {
  const out: KnownHostKey[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    text.split('\n').forEach((raw, i) => {
      const fields = raw.trim().split(/\s+/);
      if (!fields[0] || fields[0].startsWith('#')) return;
      const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
      // CA-signed host certificates are not checked here: such a line vouches for no key by itself.
      if (marker === '@cert-authority') return;
      const [hosts, type, b64] = fields;
      if (!hosts || !type || !b64 || !hostFieldMatches(hosts, name)) return;
      out.push({ type, blob: Buffer.from(b64, 'base64'), revoked: marker === '@revoked', file, line: i + 1 });
    });
  }
  return out;
}

/** Host key algorithms to offer so the server shows a key of a type the files know (as OpenSSH orders them). */
export function hostKeyAlgorithms(known: KnownHostKey[]): string[] | undefined {
  const algos = new Set<string>();
  for (const k of known.filter((k) => !k.revoked)) {
    if (k.type === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => algos.add(a));
    else algos.add(k.type);
  }
  return algos.size ? [...algos] : undefined;
}

/** The verdict on the key the server showed (`type` from ssh2's parseKey). */
export function verifyHostKey(known: KnownHostKey[], type: string, blob: Buffer): HostKeyVerdict {
  const fp = fingerprint(blob);
  const revoked = known.find((k) => k.revoked && k.blob.equals(blob));
  if (revoked) return { ok: false, why: 'revoked', type, fingerprint: fp, file: revoked.file, line: revoked.line };
  if (known.some((k) => !k.revoked && k.blob.equals(blob))) return { ok: true };
  const other = known.find((k) => !k.revoked && k.type === type);
  if (other) return { ok: false, why: 'changed', type, fingerprint: fp, file: other.file, line: other.line };
  return { ok: false, why: 'unknown', type, fingerprint: fp };
}
