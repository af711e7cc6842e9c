/**
 * Where the Docker Engine is and how to talk to it, resolved like the docker CLI does:
 * `docker.host` in the config, else DOCKER_HOST, else the default socket (Docker Desktop's
 * ~/.docker/run/docker.sock when present, else /var/run/docker.sock). tcp:// uses TLS when
 * `docker.tls` is set, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH is set, or the port is 2376;
 * certificates come from `docker.tls`, DOCKER_CERT_PATH, or ~/.docker/{ca,cert,key}.pem.
 * ssh:// goes through binfarm's own SSH transport (core/engine/ssh-transport.ts): the host key must
 * be in known_hosts, the keys are `docker.ssh.identity`, else the config's IdentityFile, else
 * ~/.ssh/id_*, then ssh-agent's; host name, user, port, key and known_hosts files the URL or the
 * config do not give come from ~/.ssh/config and /etc/ssh/ssh_config (core/engine/ssh-config.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { DockerOptions } from 'dockerode';
import { BinfarmError } from '../errors.ts';
import { identityFiles } from './ssh-identity.ts';
import { defaultSshConfig, readSshHostConfig } from './ssh-config.ts';
import { SshDockerAgent } from './ssh-transport.ts';

export interface DockerConnectionConfig {
  host?: string | undefined;
  tls?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined } | undefined;
  ssh?: { identity?: string | undefined; knownHosts?: string | undefined } | undefined;
}

export interface DockerConnection {
  /** Options for `new Docker(...)`, complete (nothing left for docker-modem to read from env). */
  options: DockerOptions;
  /** Human form for messages, e.g. `unix:///var/run/docker.sock`. */
  display: string;
  /** The engine shares this machine's filesystem, so host paths can be bind-mounted. */
  local: boolean;
}

function defaultSocket(): string {
  const desktop = join(homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(desktop) ? desktop : '/var/run/docker.sock';
}

function readCert(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new BinfarmError('E_DOCKER_UNREACHABLE', `cannot read the TLS ${what} ${path} for the Docker connection`, {
      hint: 'Set docker.tls.{ca,cert,key} in binfarm.config.ts or DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem.',
      cause: e,
    });
  }
}

/** Resolves the connection; `rootDir` anchors relative certificate paths from the config. */
export function resolveConnection(cfg: DockerConnectionConfig, env: NodeJS.ProcessEnv = process.env, rootDir = process.cwd()): DockerConnection {
  const raw = cfg.host ?? env.DOCKER_HOST ?? `unix://${defaultSocket()}`;
  const base = { host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined } as const;

  if (raw.startsWith('unix://') || raw.startsWith('/')) {
    const socketPath = raw.startsWith('/') ? raw : raw.slice('unix://'.length) || defaultSocket();
    return { options: { ...base, socketPath }, display: `unix://${socketPath}`, local: true };
  }

  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
  } catch (e) {
    throw new BinfarmError('E_DOCKER_UNREACHABLE', `cannot parse the Docker host "${raw}"`, {
      hint: 'Use unix:///path/to/docker.sock, tcp://host:2376 or ssh://user@host (docker.host or DOCKER_HOST).',
      cause: e,
    });
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const local = ['localhost', '127.0.0.1', '::1'].includes(hostname);

  if (url.protocol === 'ssh:') {
    const home = env.HOME || homedir();
    const at = (p: string) => (isAbsolute(p) ? p : resolve(rootDir, p));
    // What the URL leaves out comes from ~/.ssh/config and /etc/ssh/ssh_config, as for `ssh` (ssh-config.ts).
    const sshc = readSshHostConfig(hostname, defaultSshConfig(home, env.USER || userInfo().username), {
      user: decodeURIComponent(url.username) || undefined,
      port: url.port ? Number(url.port) : undefined,
    });
    const { hostName, port, user: username } = sshc;
    const display = `ssh://${username}@${url.hostname}${port === 22 ? '' : `:${port}`}${hostName === hostname ? '' : ` (${hostName})`}`;
    if (sshc.proxy) {
      throw new BinfarmError(
        'E_DOCKER_UNREACHABLE',
        `the Docker engine at ${display}: ${sshc.proxy.where} sets ${sshc.proxy.keyword} ${sshc.proxy.value}, and binfarm's SSH transport connects directly`,
        {
          hint: 'Point docker.host (DOCKER_HOST) at an address this machine reaches directly, e.g. the local end of a tunnel you keep open (`ssh -N -L`), or use a tcp:// engine with TLS.',
          details: { host: display, reason: 'ssh-config', where: sshc.proxy.where },
        },
      );
    }
    const agent = new SshDockerAgent({
      host: hostName,
      port,
      username,
      display,
      ...(sshc.hostKeyAlias ? { hostKeyAlias: sshc.hostKeyAlias } : {}),
      knownHosts: cfg.ssh?.knownHosts
        ? [at(cfg.ssh.knownHosts)]
        : [...(sshc.userKnownHostsFiles ?? [join(home, '.ssh', 'known_hosts')]), ...(sshc.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts'])],
      identities: identityFiles(cfg.ssh?.identity ? at(cfg.ssh.identity) : undefined, home, sshc.identityFiles),
      agent: env.SSH_AUTH_SOCK || undefined,
      ...(sshc.connectTimeoutSeconds ? { readyTimeoutMs: sshc.connectTimeoutSeconds * 1000 } : {}),
    });
    // Plain HTTP over the agent's `docker system dial-stdio` channels; host and port only name the engine.
    return { options: { ...base, protocol: 'http', host: hostName, port, agent } as DockerOptions, display, local: false };
  }

  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) {
    throw new BinfarmError('E_DOCKER_UNREACHABLE', `unsupported Docker host scheme "${url.protocol}" in "${raw}"`, {
      hint: 'Use unix://, tcp://, http(s):// or ssh://.',
    });
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 2376 : 2375;
  const tlsWanted =
    url.protocol === 'https:' || !!cfg.tls || env.DOCKER_TLS_VERIFY === '1' || !!env.DOCKER_CERT_PATH || port === 2376;
  if (!tlsWanted) {
    return { options: { ...base, protocol: 'http', host: hostname, port }, display: `tcp://${hostname}:${port}`, local };
  }
  const certDir = env.DOCKER_CERT_PATH ?? join(homedir(), '.docker');
  const at = (p: string | undefined, file: string) => (p ? (isAbsolute(p) ? p : resolve(rootDir, p)) : join(certDir, file));
  const caPath = at(cfg.tls?.ca, 'ca.pem');
  const certPath = at(cfg.tls?.cert, 'cert.pem');
  const keyPath = at(cfg.tls?.key, 'key.pem');
  const options: DockerOptions = {
    ...base,
    protocol: 'https',
    host: hostname,
    port,
    // Files named in the config or under DOCKER_CERT_PATH must exist; ~/.docker/*.pem are optional.
    ca: existsSync(caPath) || cfg.tls?.ca || env.DOCKER_CERT_PATH ? readCert(caPath, 'CA certificate') : undefined,
    cert: existsSync(certPath) || cfg.tls?.cert || env.DOCKER_CERT_PATH ? readCert(certPath, 'client certificate') : undefined,
    key: existsSync(keyPath) || cfg.tls?.key || env.DOCKER_CERT_PATH ? readCert(keyPath, 'client key') : undefined,
  };
  return { options, display: `tcp://${hostname}:${port} (TLS)`, local };
}

/** Compares dotted API versions numerically: `1.41` vs `1.9`. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
