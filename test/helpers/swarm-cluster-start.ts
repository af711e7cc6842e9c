/**
 * The parts of test/helpers/swarm-cluster.ts that bring a node up: the two network namespaces and
 * their veth pair, a dockerd inside a namespace (`nsenter --net`, not `ip netns exec`: that one
 * remounts /sys and dockerd fails with "Devices cgroup isn't mounted"), the registry in A, and
 * bounded waits that fail with the daemon's log tail.
 */
import Docker from 'dockerode';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterFootprint } from './swarm-cluster-sweep.ts';

export type NodeName = 'A' | 'B';

/** What a started node is, before it has joined the swarm. */
export interface NodeDaemonInfo {
  name: NodeName;
  addr: string;
  netns: string;
  netnsPath: string;
  socketPath: string;
  docker: Docker;
  pid: number;
  dataRoot: string;
  execRoot: string;
  cgroupParent: string;
  log: string;
}

export const SUBNET = '10.213.0';
export const ADDRS: Record<NodeName, string> = { A: `${SUBNET}.1`, B: `${SUBNET}.2` };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`swarm cluster: ${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 250 ms until it returns a value; `failFast` throws to stop early (a daemon that died). */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>, failFast?: () => void): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    failFast?.();
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`swarm cluster: ${what} within ${Math.round(ms / 1000)} s${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

function ip(args: string[]) {
  return execa('ip', args, { timeout: 30_000 });
}

export async function makeNetwork(nsA: string, nsB: string, vethA: string, vethB: string): Promise<void> {
  await ip(['netns', 'add', nsA]);
  await ip(['netns', 'add', nsB]);
  // Made inside A with its peer inside B: the host's own namespace never sees either end.
  await ip(['-n', nsA, 'link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB, 'netns', nsB]);
  for (const [ns, dev, addr] of [
    [nsA, vethA, ADDRS.A],
    [nsB, vethB, ADDRS.B],
  ] as const) {
    await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
    await ip(['-n', ns, 'link', 'set', dev, 'up']);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
}

export interface Daemon {
  node: NodeDaemonInfo;
  child: ChildProcess;
}

/** `extraArgs`: more dockerd flags (e.g. a TLS tcp listener: test/helpers/remote-engine.ts). */
export function startDockerd(fp: ClusterFootprint, name: NodeName, extraArgs: string[] = []): Daemon {
  const lower = name.toLowerCase();
  const netns = `${fp.tag}-${lower}`;
  const base = join(fp.dir, lower);
  const dataRoot = join(base, 'data');
  const execRoot = join(base, 'exec');
  const socketPath = join(base, 'docker.sock');
  const log = join(base, 'dockerd.log');
  mkdirSync(base, { recursive: true });
  // An empty config file of its own: a /etc/docker/daemon.json meant for the main engine must not apply.
  writeFileSync(join(base, 'daemon.json'), '{}\n');
  const fd = openSync(log, 'a');
  const netnsPath = `/run/netns/${netns}`;
  const child = spawn(
    'nsenter',
    [
      `--net=${netnsPath}`,
      '--',
      'dockerd',
      '--config-file', join(base, 'daemon.json'),
      '--data-root', dataRoot,
      '--exec-root', execRoot,
      '--pidfile', join(base, 'dockerd.pid'),
      '-H', `unix://${socketPath}`,
      '--bridge', 'none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      '--userland-proxy=false',
      '--cgroup-parent', netns,
      '--containerd-namespace', netns,
      '--containerd-plugins-namespace', `${netns}-plugins`,
      '--insecure-registry', `${SUBNET}.0/24`,
      // Containers that ignore SIGTERM (a busybox sleep as PID 1) must not hold teardown 15 s.
      '--shutdown-timeout', '2',
      ...extraArgs,
    ], // prettier-ignore
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  fp.pids.add(child.pid!);
  const docker = new Docker({ socketPath });
  return {
    child,
    node: { name, addr: ADDRS[name], netns, netnsPath, socketPath, docker, pid: child.pid!, dataRoot, execRoot, cgroupParent: netns, log },
  };
}

export async function waitDockerd(d: Daemon, ms: number): Promise<void> {
  const died = () => {
    if (d.child.exitCode !== null || d.child.signalCode !== null) {
      throw new Error(`swarm cluster: dockerd of node ${d.node.name} exited (${d.child.exitCode ?? d.child.signalCode}); log tail:\n${tail(d.node.log)}`);
    }
  };
  try {
    await waitFor(`dockerd of node ${d.node.name} did not answer`, ms, async () => ((await d.node.docker.ping()) ? true : undefined), died);
  } catch (e) {
    if (/log tail/.test((e as Error).message)) throw e;
    throw new Error(`${(e as Error).message}; log tail of ${d.node.log}:\n${tail(d.node.log)}`);
  }
}

export async function startRegistry(fp: ClusterFootprint, netnsA: string, ms: number): Promise<string> {
  const dir = join(fp.dir, 'registry');
  mkdirSync(dir, { recursive: true });
  const config = [
    'version: 0.1',
    'log: { level: warn }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
    `http: { addr: "${ADDRS.A}:5000" }`,
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), `${config}\n`);
  const log = join(dir, 'registry.log');
  const fd = openSync(log, 'a');
  const child = spawn('nsenter', [`--net=${netnsA}`, '--', 'docker-registry', 'serve', join(dir, 'config.yml')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  fp.pids.add(child.pid!);
  const registry = `${ADDRS.A}:5000`;
  const died = () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`swarm cluster: the registry exited; log tail:\n${tail(log)}`);
  };
  // Probed from inside namespace A: 10.213.0.1 does not exist in the host's namespace.
  const probe = ['--', 'busybox', 'wget', '-q', '-O', '/dev/null', `http://${registry}/v2/`];
  await waitFor(
    'the registry did not answer',
    ms,
    async () => ((await execa('nsenter', [`--net=${netnsA}`, ...probe], { reject: false, timeout: 10_000 })).exitCode === 0 ? true : undefined),
    died,
  );
  return registry;
}
