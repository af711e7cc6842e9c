/**
 * An OpenSSH server in front of the remote engine of test/helpers/remote-engine.ts, for `ssh://`
 * engine tests: Debian's sshd, run with a config of its own (`-f`, never /etc/ssh) in namespace
 * B on 10.213.0.2:2222, reachable only from namespace A. Its host key and the client key pairs are
 * made per run with ssh-keygen in the engine's temp dir. The session's DOCKER_HOST (sshd's
 * SetEnv) points the docker CLI's `docker system dial-stdio` at the remote dockerd's socket, as a
 * user's environment or docker context would on a real host. sshd and its sessions run in
 * namespace B and their command lines name the engine's dir, so the engine's sweep ends them.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADDRS, tail, waitFor } from './swarm-cluster-start.ts';
import type { ClusterFootprint } from './swarm-cluster-sweep.ts';

export const SSH_PORT = 2222;
/** The same sshd on this port allows one session per connection (MaxSessions 1) and no forwarding to sockets. */
export const ONE_SESSION_PORT = 2224;

export interface RemoteSsh {
  /** `ssh://root@10.213.0.2:2222`. */
  host: string;
  /** `ssh://root@10.213.0.2:2224`: the same server with MaxSessions 1 and AllowStreamLocalForwarding no. */
  oneSessionHost: string;
  /** A private key sshd accepts. */
  identity: string;
  /** A private key sshd does not know. */
  strangerIdentity: string;
  /** A private key sshd accepts for a session whose PATH has no docker CLI. */
  noDockerIdentity: string;
  /** known_hosts (hashed, as `ssh-keygen -H` writes it) holding the server's host key. */
  knownHosts: string;
  /** known_hosts with another ed25519 key for [10.213.0.2]:2222: the host key "changed". */
  changedKnownHosts: string;
  /** The server's host key fingerprint, `SHA256:…`. */
  fingerprint: string;
  /** sshd's log (`-e`, LogLevel VERBOSE): one "Accepted publickey" line per login, one "Starting session" per command. */
  log: string;
}

function keygen(file: string, comment: string): Promise<unknown> {
  return execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { timeout: 30_000 });
}

/** Starts sshd in namespace `netnsB` in front of the dockerd at `dockerSocket`; waits until namespace A can reach it. */
export async function startSshd(fp: ClusterFootprint, netnsA: string, netnsB: string, dockerSocket: string, stepMs: number): Promise<RemoteSsh> {
  const dir = join(fp.dir, 'ssh');
  mkdirSync(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  await Promise.all([
    keygen(f('host_ed25519'), 'binfarm test host'),
    keygen(f('other_host_ed25519'), 'binfarm test other host'),
    keygen(f('client'), 'binfarm test client'),
    keygen(f('stranger'), 'binfarm test stranger'),
    keygen(f('nodocker'), 'binfarm test without docker'),
  ]);
  const pub = (n: string) =>
    readFileSync(f(`${n}.pub`), 'utf8')
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
  writeFileSync(f('authorized_keys'), `${pub('client')}\nenvironment="PATH=/nonexistent" ${pub('nodocker')}\n`);
  const name = `[${ADDRS.B}]:${SSH_PORT}`;
  writeFileSync(f('known_hosts'), `${name} ${pub('host_ed25519')}\n[${ADDRS.B}]:${ONE_SESSION_PORT} ${pub('host_ed25519')}\n`);
  await execa('ssh-keygen', ['-H', '-f', f('known_hosts')], { timeout: 30_000 });
  writeFileSync(f('changed_known_hosts'), `${name} ${pub('other_host_ed25519')}\n`);
  const fingerprint = String((await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', f('host_ed25519.pub')])).stdout).split(/\s+/)[1]!;

  const config = [
    `ListenAddress ${ADDRS.B}:${SSH_PORT}`,
    `HostKey ${f('host_ed25519')}`,
    `PidFile ${f('sshd.pid')}`,
    `AuthorizedKeysFile ${f('authorized_keys')}`,
    // The keys live in a temp dir that sshd's ownership checks on home directories would refuse.
    'StrictModes no',
    'AllowUsers root',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitUserEnvironment PATH',
    `SetEnv DOCKER_HOST=unix://${dockerSocket}`,
    'LogLevel VERBOSE',
    `ListenAddress ${ADDRS.B}:${ONE_SESSION_PORT}`,
    // The other port is a stricter server: one session per connection, and no forwarding to sockets (dial-stdio only).
    `Match LocalPort ${ONE_SESSION_PORT}`,
    '  MaxSessions 1',
    '  AllowStreamLocalForwarding no',
  ];
  writeFileSync(f('sshd_config'), `${config.join('\n')}\n`);
  // sshd's privilege separation directory, which its init script makes (Debian's path).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const log = f('sshd.log');
  const fd = openSync(log, 'a');
  const child = spawn('nsenter', [`--net=/run/netns/${netnsB}`, '--', '/usr/sbin/sshd', '-D', '-e', '-f', f('sshd_config')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  fp.pids.add(child.pid!);
  const died = () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}); log tail:\n${tail(log)}`);
  };
  const probe = ['--', 'ssh-keyscan', '-T', '2', '-p', String(SSH_PORT), ADDRS.B];
  await waitFor(
    'sshd did not answer',
    stepMs,
    async () =>
      /ssh-ed25519/.test(String((await execa('nsenter', [`--net=/run/netns/${netnsA}`, ...probe], { reject: false, timeout: 10_000 })).stdout))
        ? true
        : undefined,
    died,
  );
  return {
    host: `ssh://root@${ADDRS.B}:${SSH_PORT}`,
    oneSessionHost: `ssh://root@${ADDRS.B}:${ONE_SESSION_PORT}`,
    identity: f('client'),
    strangerIdentity: f('stranger'),
    noDockerIdentity: f('nodocker'),
    knownHosts: f('known_hosts'),
    changedKnownHosts: f('changed_known_hosts'),
    fingerprint,
    log,
  };
}
