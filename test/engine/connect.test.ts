import test from 'ava';
import { execa } from 'execa';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { resolveConnection } from '../../core/engine/connect.ts';
import type { SshDockerAgent } from '../../core/engine/ssh-transport.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { captureLogger, tempDir, testRunId } from './helpers.ts';

function socketPath(): string {
  const h = process.env.DOCKER_HOST;
  return h?.startsWith('unix://') ? h.slice(7) : '/var/run/docker.sock';
}

const open = new Set<Socket>();

/** Relays each connection to the local Docker socket (a stand-in network path to the real daemon). */
function relay(client: Socket): void {
  const upstream = createConnection(socketPath());
  open.add(client).add(upstream);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
}

/** Closes the server without waiting for dockerode's keep-alive connections to time out. */
function close(server: Server): Promise<void> {
  for (const s of open) s.destroy();
  return new Promise<void>((r) => server.close(() => r()));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

test('connection resolution: unix, tcp, TLS from DOCKER_CERT_PATH, ssh, config over env, bad schemes', (t) => {
  const env = { HOME: '/nonexistent' } as NodeJS.ProcessEnv;
  t.deepEqual(resolveConnection({}, { ...env, DOCKER_HOST: 'unix:///run/d.sock' }).options.socketPath, '/run/d.sock');
  const tcp = resolveConnection({}, { ...env, DOCKER_HOST: 'tcp://10.0.0.5:2375' });
  t.like(tcp, { display: 'tcp://10.0.0.5:2375', local: false, options: { protocol: 'http', host: '10.0.0.5', port: 2375 } });
  const ssh = resolveConnection({ host: 'ssh://builder@farm.example:2222' }, { ...env, DOCKER_HOST: 'unix:///ignored', SSH_AUTH_SOCK: '/agent' });
  // binfarm's own transport (core/engine/ssh-transport.ts): plain HTTP over its dial-stdio channels.
  t.like(ssh.options as object, { protocol: 'http', host: 'farm.example', port: 2222 });
  t.is(ssh.display, 'ssh://builder@farm.example:2222');
  const target = ((ssh.options as { agent: SshDockerAgent }).agent as SshDockerAgent).target;
  t.like(target, { host: 'farm.example', port: 2222, username: 'builder', agent: '/agent' });
  t.deepEqual(target.knownHosts, ['/nonexistent/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts']);
  t.deepEqual(
    target.identities.map((i) => i.file),
    ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => `/nonexistent/.ssh/${n}`),
  );
  // docker.ssh names the files, relative to the config's directory; the URL's user, else the local one.
  const named = resolveConnection({ host: 'ssh://farm.example', ssh: { identity: 'keys/id', knownHosts: '/etc/kh' } }, { ...env, USER: 'me' }, '/farm');
  t.is(named.display, 'ssh://me@farm.example');
  const namedTarget = (named.options as { agent: SshDockerAgent }).agent.target;
  t.deepEqual(namedTarget.identities, [{ file: '/farm/keys/id', explicit: true }]);
  t.deepEqual(namedTarget.knownHosts, ['/etc/kh']);
  t.is(namedTarget.agent, undefined);
  t.false(ssh.local);
  const e = t.throws(() => resolveConnection({}, { ...env, DOCKER_HOST: 'tcp://h:2376', DOCKER_CERT_PATH: '/nonexistent/certs' }));
  t.is((e as { code?: string }).code, 'E_DOCKER_UNREACHABLE');
  t.regex(e!.message, /TLS CA certificate \/nonexistent\/certs\/ca\.pem/);
  const bad = t.throws(() => resolveConnection({ host: 'npipe:////./pipe/docker' }, env));
  t.regex(bad!.message, /unsupported Docker host scheme "npipe:"/);
});

test.serial('tcp:// reaches a real daemon over TCP (DOCKER_HOST)', async (t) => {
  await dockerForTests();
  const server = createServer(relay);
  const port = await listen(server);
  t.teardown(() => close(server));
  const engine = await createEngine({ docker: {} }, testRunId('tcp'), captureLogger(), { env: { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}` } });
  t.is(engine.host, `tcp://127.0.0.1:${port}`);
  t.true(engine.local, '127.0.0.1 is this machine');
  t.regex((await engine.ping()).apiVersion, /^1\.\d+$/);
});

test.serial('tcp:// with TLS and client certificates from docker.tls (mutual TLS, real handshake)', async (t) => {
  await dockerForTests();
  const dir = await tempDir(t);
  const ssl = (args: string[]) => execa('openssl', args, { cwd: dir });
  await ssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=binfarm test CA',
  ]);
  for (const [name, cn, ext] of [['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'], ['cert', 'client', 'extendedKeyUsage=clientAuth']] as const) {
    const key = name === 'cert' ? 'key.pem' : `${name}-key.pem`;
    await ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    await execa('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
    await ssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name === 'cert' ? 'cert' : name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ]);
  }
  const server = createTlsServer(
    {
      key: await readFile(join(dir, 'server-key.pem')),
      cert: await readFile(join(dir, 'server.pem')),
      ca: await readFile(join(dir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    relay,
  );
  const port = await listen(server);
  t.teardown(() => close(server));

  const engine = await createEngine(
    { docker: { host: `tcp://127.0.0.1:${port}`, tls: { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' } } },
    testRunId('tls'),
    captureLogger(),
    { rootDir: dir },
  );
  t.is(engine.host, `tcp://127.0.0.1:${port} (TLS)`);
  t.truthy((await engine.ping()).version);

  // Without the client certificate the server refuses the handshake: the daemon is unreachable.
  const e = await t.throwsAsync(
    createEngine({ docker: { host: `tcp://127.0.0.1:${port}`, tls: { ca: 'ca.pem' } } }, testRunId('tls'), captureLogger(), { rootDir: dir }),
  );
  t.is((e as { code?: string }).code, 'E_DOCKER_UNREACHABLE');
});
