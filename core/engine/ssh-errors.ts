/**
 * What can go wrong on the way to an `ssh://` engine, as BinfarmErrors that name the host and say
 * what to do: the host key (unknown, changed, revoked), the login, the connection, and the
 * remote side's `docker system dial-stdio` (no docker CLI, or no engine behind it). All carry
 * E_DOCKER_UNREACHABLE, as a tcp:// engine that refuses the client certificate does, and
 * `details.reason` tells them apart.
 */
import { BinfarmError } from '../errors.ts';
import { knownHostsName, type HostKeyVerdict } from './ssh-known-hosts.ts';

export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  /** `ssh://user@host:port`, for messages. */
  display: string;
  /** The name known_hosts holds the key under instead of the host's (HostKeyAlias in the SSH client configuration). */
  hostKeyAlias?: string;
  /** The known_hosts files that were read. */
  knownHosts: string[];
}

export function hostKeyError(at: SshEndpoint, v: Exclude<HostKeyVerdict, { ok: true }>): BinfarmError {
  const name = knownHostsName(at.hostKeyAlias ?? at.host, at.port);
  const scan = `ssh-keyscan${at.port === 22 ? '' : ` -p ${at.port}`} ${at.host}`;
  const details = { host: at.display, reason: `host-key-${v.why}`, fingerprint: v.fingerprint, knownHosts: at.knownHosts };
  if (v.why === 'unknown') {
    return new BinfarmError(
      'E_DOCKER_UNREACHABLE',
      `refusing the Docker engine at ${at.display}: its SSH host key (${v.type} ${v.fingerprint}) is not in ${at.knownHosts.join(' or ')}`,
      {
        hint:
          `binfarm trusts only host keys in known_hosts. Compare ${v.fingerprint} with the host's own (\`ssh-keygen -lf /etc/ssh/ssh_host_${v.type.replace(/^ssh-|-.*$/g, '')}_key.pub\` on it), ` +
          `then add it: \`${scan} >> ~/.ssh/known_hosts\` (or connect once with \`ssh${at.port === 22 ? '' : ` -p ${at.port}`} ${at.username}@${at.host}\`), ` +
          `${at.hostKeyAlias ? `under the name ${name} (your HostKeyAlias) ` : ''}or name a file that holds it in docker.ssh.knownHosts.`,
        details,
      },
    );
  }
  const where = `${v.file}:${v.line}`;
  return new BinfarmError(
    'E_DOCKER_UNREACHABLE',
    v.why === 'revoked'
      ? `refusing the Docker engine at ${at.display}: its SSH host key (${v.type} ${v.fingerprint}) is marked @revoked in ${where}`
      : `refusing the Docker engine at ${at.display}: its SSH host key changed (${v.type} ${v.fingerprint}, but ${where} holds another ${v.type} key for ${name})`,
    {
      hint:
        'Someone may be intercepting the connection, or the host was reinstalled. Ask its administrator for the new fingerprint; ' +
        `if it matches, replace the old key: \`ssh-keygen -R '${name}'\`, then \`${scan} >> ~/.ssh/known_hosts\`.`,
      details,
    },
  );
}

/** A failure of ssh2's connection or login (`level` is ssh2's classification). */
export function sshConnectError(at: SshEndpoint, e: Error & { level?: string; code?: string }, keys: string): BinfarmError {
  const details = { host: at.display, code: e.code, level: e.level };
  if (e.level === 'client-authentication') {
    return new BinfarmError(
      'E_DOCKER_UNREACHABLE',
      `cannot reach the Docker engine at ${at.display}: the SSH server refused the login of "${at.username}" (tried ${keys})`,
      {
        hint: `Put the public key in ~${at.username}/.ssh/authorized_keys on ${at.host}, or name the private key in docker.ssh.identity, or load it into ssh-agent (SSH_AUTH_SOCK).`,
        cause: e,
        details: { ...details, reason: 'auth' },
      },
    );
  }
  const code = e.code ? ` (${e.code})` : '';
  const timeout = e.level === 'client-timeout';
  return new BinfarmError(
    'E_DOCKER_UNREACHABLE',
    `cannot reach the Docker engine at ${at.display}: ${timeout ? 'no SSH handshake' : `SSH connection failed${code}`}: ${e.message}`,
    {
      hint: `Check that sshd runs on ${at.host} port ${at.port} and that this machine may reach it (\`ssh -p ${at.port} ${at.username}@${at.host} docker version\` shows the same).`,
      cause: e,
      details: { ...details, reason: timeout ? 'timeout' : 'connect' },
    },
  );
}

/** The remote `docker system dial-stdio` failed: `stderr` is what it said. */
export function dialStdioError(at: SshEndpoint, exitCode: number | null, stderr: string): BinfarmError {
  const said = stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${exitCode}`;
  const noCli = exitCode === 127 || /not found|no such file/i.test(said);
  return new BinfarmError(
    'E_DOCKER_UNREACHABLE',
    `cannot reach the Docker engine at ${at.display}: \`docker system dial-stdio\` failed on ${at.host}: ${said}`,
    {
      hint: noCli
        ? `Install the docker CLI for ${at.username} on ${at.host} (binfarm's ssh:// transport runs \`docker system dial-stdio\` there, as the docker CLI does).`
        : `Check that \`docker version\` works for ${at.username} on ${at.host}: the user needs access to the engine (the docker group, or DOCKER_HOST in its environment).`,
      details: { host: at.display, reason: noCli ? 'no-docker-cli' : 'dial-stdio', exitCode },
    },
  );
}
