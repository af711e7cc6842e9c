/**
 * binfarm's engine client against a real remote engine over ssh:// (test/helpers/remote-engine.ts
 * with its sshd, test/helpers/remote-sshd.ts): OpenSSH's sshd in the engine's namespace, reached
 * from the client namespace with `docker.host`, `docker.ssh.identity` and `docker.ssh.knownHosts`
 * only, and the docker CLI's `docker system dial-stdio` on the far side. What a build with no host
 * bind mount needs works over one SSH login; an unknown or changed host key, a key the server
 * does not accept, a host with no docker CLI and a closed port are refused with
 * E_DOCKER_UNREACHABLE naming the host.
 */
import test from 'ava';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine.ts';
import type { RemoteSsh } from '../helpers/remote-sshd.ts';
import { tempDir } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./remote-child.ts', import.meta.url));
let remote: RemoteEngine;
let ssh: RemoteSsh;
let image: string;

test.before(async () => {
  image = await stage3FixtureImage();
  remote = await startRemoteEngine({ ssh: true });
  ssh = remote.ssh!;
  await remote.loadImage(image);
});

test.after.always(async () => {
  await remote?.stop();
});

interface Result {
  ok: boolean;
  code?: string;
  message?: string;
  hint?: string;
  details?: Record<string, unknown>;
  [k: string]: unknown;
}

async function client(docker: Record<string, unknown>, env: Record<string, string> = {}): Promise<Result> {
  // HOME points nowhere: only the files the config names (or the agent given) may be used.
  const spec = JSON.stringify({ docker, env: { HOME: '/nonexistent', ...env } });
  const r = await remote.runInA(['node', '--import', 'tsx', CHILD, spec, image], { reject: false, timeout: 180_000 });
  const line = String(r.stdout ?? '')
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the client printed no result (exit ${r.exitCode}):\n${String(r.stderr ?? '').slice(-3000)}`);
  return JSON.parse(line) as Result;
}

const logins = () => (readFileSync(ssh.log, 'utf8').match(/Accepted publickey for root/g) ?? []).length;
const sessions = () => (readFileSync(ssh.log, 'utf8').match(/Starting session: command/g) ?? []).length;

test.serial('over ssh://: a remote engine, volumes and files through the archive API, one SSH login, nothing left on the engine', async (t) => {
  const before = logins();
  const commands = sessions();
  const r = await client({ host: ssh.host, ssh: { identity: ssh.identity, knownHosts: ssh.knownHosts } });
  t.true(r.ok, JSON.stringify(r));
  t.is(r.local, false);
  // One command ran on the host (asking the docker CLI for the engine's socket); every channel was forwarded to that socket.
  t.is(sessions() - commands, 1);
  t.is(r.display, 'ssh://root@10.213.0.2:2222');
  t.is(r.read, 'sent through the archive API\n');
  t.is(r.exitCode, 0);
  // Version, volume, two containers, an archive, logs, cleanup: all over one SSH connection.
  t.is(logins() - before, 1);
  const containers = await remote.docker.listContainers({ all: true, filters: { label: ['binfarm.owned=1'] } });
  t.deepEqual(containers, []);
  const { Volumes } = (await remote.docker.listVolumes({ filters: { label: ['binfarm.owned=1'] } })) as { Volumes: unknown[] | null };
  t.deepEqual(Volumes ?? [], []);
});

test.serial(
  'a server that forbids forwarding to sockets and allows one session per connection: dial-stdio, and another connection instead of a failure',
  async (t) => {
    const before = logins();
    const commands = sessions();
    const r = await client({ host: ssh.oneSessionHost, ssh: { identity: ssh.identity, knownHosts: ssh.knownHosts } });
    t.true(r.ok, JSON.stringify(r));
    t.is(r.read, 'sent through the archive API\n');
    t.true(logins() - before >= 2, 'a second login carried the second channel');
    t.true(sessions() - commands >= 3, 'the socket question, then docker system dial-stdio for each channel');
  },
);

test.serial('with no key configured, the keys of ssh-agent (SSH_AUTH_SOCK) log in', async (t) => {
  const dir = await tempDir(t);
  const sock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  const stop = () => void agent.kill('SIGTERM');
  // Also when the worker dies mid-test: the agent is this test's own child, ended by its pid.
  process.once('exit', stop);
  t.teardown(() => {
    stop();
    process.off('exit', stop);
  });
  for (let i = 0; i < 100 && (await execa('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock }, reject: false })).exitCode === 2; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await execa('ssh-add', [ssh.identity], { env: { SSH_AUTH_SOCK: sock } });
  const r = await client({ host: ssh.host, ssh: { knownHosts: ssh.knownHosts } }, { SSH_AUTH_SOCK: sock });
  t.true(r.ok, JSON.stringify(r));
  const without = await client({ host: ssh.host, ssh: { knownHosts: ssh.knownHosts } });
  t.is(without.details?.reason, 'auth', JSON.stringify(without));
  t.regex(String(without.message), /tried no key: none configured/);
});

test.serial('an alias of ~/.ssh/config: its HostName, Port, User, IdentityFile and UserKnownHostsFile log in, as for ssh', async (t) => {
  const home = await tempDir(t);
  const url = new URL(ssh.host);
  await mkdir(join(home, '.ssh'));
  const config = [
    'Host builder',
    `  HostName ${url.hostname}`,
    `  Port ${url.port}`,
    '  User root',
    `  IdentityFile ${ssh.identity}`,
    `  UserKnownHostsFile ${ssh.knownHosts}`,
    'Host *',
    '  Port 1',
    '  IdentityFile ~/.ssh/id_none',
  ].join('\n');
  await writeFile(join(home, '.ssh', 'config'), `${config}\n`);
  const r = await client({ host: 'ssh://builder' }, { HOME: home });
  t.true(r.ok, JSON.stringify(r));
  t.is(r.display, `ssh://root@builder:${url.port} (${url.hostname})`);
  t.is(r.read, 'sent through the archive API\n');
  // A host reached through a jump host is refused before any connection, naming where the config says so.
  await writeFile(join(home, '.ssh', 'config'), `Host behind\n  HostName ${url.hostname}\n  ProxyJump gw.example\n${config}\n`);
  const jumped = await client({ host: 'ssh://behind' }, { HOME: home });
  t.is(jumped.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(jumped));
  t.is(jumped.details?.reason, 'ssh-config');
  t.regex(String(jumped.message), /\.ssh\/config line 3 sets ProxyJump gw\.example, and binfarm's SSH transport connects directly/);
});

test.serial('a host key that is not in known_hosts is refused before logging in, with its fingerprint and how to add it', async (t) => {
  const before = logins();
  const r = await client({ host: ssh.host, ssh: { identity: ssh.identity, knownHosts: '/nonexistent/known_hosts' } });
  t.false(r.ok);
  t.is(r.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(r));
  t.is(r.details?.reason, 'host-key-unknown');
  t.regex(String(r.message), /ssh:\/\/root@10\.213\.0\.2:2222/);
  t.true(String(r.message).includes(ssh.fingerprint), String(r.message));
  t.true(String(r.hint).includes('ssh-keyscan -p 2222 10.213.0.2 >> ~/.ssh/known_hosts'), String(r.hint));
  t.is(logins(), before);
});

test.serial('a host key other than the one known_hosts holds is refused as changed', async (t) => {
  const r = await client({ host: ssh.host, ssh: { identity: ssh.identity, knownHosts: ssh.changedKnownHosts } });
  t.is(r.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(r));
  t.is(r.details?.reason, 'host-key-changed');
  t.regex(String(r.message), /10\.213\.0\.2:2222: its SSH host key changed/);
  t.regex(String(r.hint), /ssh-keygen -R '\[10\.213\.0\.2\]:2222'/);
});

test.serial('a key the server does not accept: the login is refused, naming the user, the host and the key', async (t) => {
  const r = await client({ host: ssh.host, ssh: { identity: ssh.strangerIdentity, knownHosts: ssh.knownHosts } });
  t.is(r.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(r));
  t.is(r.details?.reason, 'auth');
  t.regex(String(r.message), /ssh:\/\/root@10\.213\.0\.2:2222: the SSH server refused the login of "root"/);
  t.true(String(r.message).includes(ssh.strangerIdentity));
});

test.serial('no docker CLI for the remote user: dial-stdio fails, and the error says so instead of "socket hang up"', async (t) => {
  const r = await client({ host: ssh.host, ssh: { identity: ssh.noDockerIdentity, knownHosts: ssh.knownHosts } });
  t.is(r.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(r));
  t.is(r.details?.reason, 'no-docker-cli');
  t.regex(String(r.message), /`docker system dial-stdio` failed on 10\.213\.0\.2: .*docker: (command )?not found/);
  t.regex(String(r.hint), /Install the docker CLI for root on 10\.213\.0\.2/);
});

test.serial('nothing listens on the port: the connection is refused, naming the host', async (t) => {
  const r = await client({ host: 'ssh://root@10.213.0.2:2223', ssh: { identity: ssh.identity, knownHosts: ssh.knownHosts } });
  t.is(r.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(r));
  t.is(r.details?.reason, 'connect');
  t.regex(String(r.message), /ssh:\/\/root@10\.213\.0\.2:2223: SSH connection failed \(ECONNREFUSED\)/);
});

test.serial('the remote engine, its sshd and its namespaces are gone after stop()', async (t) => {
  await remote.stop();
  t.deepEqual(remote.leftovers(), []);
});
