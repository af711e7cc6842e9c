/**
 * Which private keys an `ssh://` engine connection offers: `docker.ssh.identity` when set (it must
 * be readable and have no passphrase: binfarm cannot prompt), else the IdentityFiles the SSH client
 * configuration gives the host (core/engine/ssh-config.ts), else ssh's default files
 * (~/.ssh/id_ed25519, id_ecdsa, id_rsa); of those two, the files that are missing or have a
 * passphrase are skipped. ssh-agent's keys (SSH_AUTH_SOCK) come after these (core/engine/ssh-transport.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';

export interface IdentityFile {
  file: string;
  /** Named in the config: a problem with it is an error, not a key skipped. */
  explicit: boolean;
}

export function identityFiles(configured: string | undefined, home: string, fromSshConfig: string[] = []): IdentityFile[] {
  if (configured) return [{ file: configured, explicit: true }];
  const files = fromSshConfig.length ? fromSshConfig : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(home, '.ssh', n));
  return files.map((file) => ({ file, explicit: false }));
}

/** Reads the keys; `parse` is ssh2's parseKey (an Error for a key it cannot use, e.g. one with a passphrase). */
export function readIdentities(files: IdentityFile[], host: string, parse: (key: Buffer) => unknown): Array<{ file: string; key: Buffer }> {
  const out: Array<{ file: string; key: Buffer }> = [];
  for (const { file, explicit } of files) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (e) {
      if (!explicit) continue;
      throw new BinfarmError('E_DOCKER_UNREACHABLE', `cannot read the SSH key ${file} (docker.ssh.identity) for the Docker engine at ${host}`, {
        hint: 'Point docker.ssh.identity at a private key file binfarm can read, or leave it unset to use ssh-agent (SSH_AUTH_SOCK) and ~/.ssh/id_*.',
        cause: e,
        details: { host, reason: 'identity', file },
      });
    }
    const parsed = parse(key);
    const bad = parsed instanceof Error ? parsed : Array.isArray(parsed) && parsed[0] instanceof Error ? (parsed[0] as Error) : undefined;
    if (bad) {
      if (!explicit) continue;
      throw new BinfarmError('E_DOCKER_UNREACHABLE', `cannot use the SSH key ${file} (docker.ssh.identity) for the Docker engine at ${host}: ${bad.message}`, {
        hint: /passphrase|encrypted/i.test(bad.message)
          ? `binfarm cannot ask for a passphrase: load the key into ssh-agent (\`ssh-add ${file}\`, SSH_AUTH_SOCK set) and leave docker.ssh.identity unset.`
          : 'Name a private key in OpenSSH or PEM format (ssh-keygen makes them).',
        details: { host, reason: 'identity', file },
      });
    }
    out.push({ file, key });
  }
  return out;
}
