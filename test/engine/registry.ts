/**
 * A real Docker registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 with htpasswd
 * auth, for push/pull tests. The daemon treats 127.0.0.0/8 as insecure, so plain HTTP works.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  host: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'binfarm-registry-'));
  const user = 'binfarm';
  const password = `pw-${process.pid}`;
  await execa('htpasswd', ['-Bbc', join(dir, 'htpasswd'), user, password]);
  const port = await freePort();
  const config = [
    'version: 0.1',
    'log: { level: error }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
    `http: { addr: 127.0.0.1:${port} }`,
    `auth: { htpasswd: { realm: binfarm-test, path: ${join(dir, 'htpasswd')} } }`,
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), `${config}\n`);
  const child: ResultPromise = execa('docker-registry', ['serve', join(dir, 'config.yml')], { reject: false, stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 401, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    user,
    password,
    async stop() {
      child.kill('SIGTERM');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
