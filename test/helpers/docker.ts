/**
 * Makes sure a real Docker Engine is reachable for integration tests. When none answers and
 * we are root, starts a private dockerd (its own socket and data root under a temp dir) that
 * lives as long as the test process; otherwise fails with the install command.
 */
import { execa } from 'execa';
import Docker from 'dockerode';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let ready: Promise<Docker> | undefined;

export function dockerForTests(): Promise<Docker> {
  ready ??= connect();
  return ready;
}

async function connect(): Promise<Docker> {
  const existing = new Docker(process.env.DOCKER_HOST ? undefined : { socketPath: '/var/run/docker.sock' });
  if (await answers(existing)) return existing;
  // A system daemon that is slow to answer (a loaded machine) is waited for, never replaced:
  // a second dockerd on the same host can tear down the first one's docker0 bridge.
  if (process.env.DOCKER_HOST || existsSync('/var/run/docker.sock')) {
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (await answers(existing)) return existing;
    }
    throw new Error(`the Docker daemon at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'} did not answer within 60 s`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('No Docker daemon is reachable. Install and start Docker Engine: `apt-get install docker.io && dockerd &` (as root).');
  }
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const child = execa(
    'dockerd',
    [
      '--host',
      `unix://${socket}`,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'pid'),
      '--bridge',
      'none',
      '--iptables=false',
    ],
    {
      reject: false,
      stdio: 'ignore',
      detached: false,
    },
  );
  process.once('exit', () => child.kill('SIGTERM'));
  const docker = new Docker({ socketPath: socket });
  for (let i = 0; i < 100; i++) {
    if (existsSync(socket) && (await answers(docker))) {
      process.env.DOCKER_HOST = `unix://${socket}`;
      return docker;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`started dockerd at ${socket} but it did not answer within 20 s`);
}

async function answers(d: Docker): Promise<boolean> {
  try {
    await d.ping();
    return true;
  } catch {
    return false;
  }
}
