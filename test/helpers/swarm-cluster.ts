/**
 * A real 2-node Docker Swarm on one machine, for tests (as root): two extra dockerd, each in a
 * network namespace of its own, joined by a veth pair on 10.213.0.0/24 (that /24 exists only
 * inside these two namespaces, so clusters of concurrent test files do not meet; every name they
 * make carries a random tag), A the manager, B a worker, and a real registry (Debian's
 * docker-registry, distribution 2.8) on 10.213.0.1:5000 inside namespace A.
 *
 * - dockerd is started with `nsenter --net=/run/netns/<ns>`, not `ip netns exec`: the latter
 *   remounts /sys, and dockerd then fails with "Devices cgroup isn't mounted".
 * - The engines run with `--bridge none` and no iptables: containers and builds use `host` or
 *   `none` networking. A container with host networking on node X lives in namespace X and
 *   reaches 10.213.0.1 (the registry, or anything started with runInA) over the veth pair.
 * - Teardown (stop(), also run from a process 'exit' handler if a test crashes before calling
 *   it) leaves nothing: test/helpers/swarm-cluster-sweep.ts, and leftovers() lists what is left.
 *
 * What works on Docker 20.10 (API 1.41) for a job on this cluster, measured by
 * test/swarm/cluster.test.ts:
 * - Service spec: see SWARM_JOB_NOTES below (host networking, reservations, reading the outcome).
 */
import Docker from 'dockerode';
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerForTests } from './docker.ts';
import { clusterLeftovers, killClusterProcesses, sweepCluster, type ClusterFootprint } from './swarm-cluster-sweep.ts';

export type NodeName = 'A' | 'B';

export interface SwarmClusterNode {
  name: NodeName;
  /** The node's address on the cluster's /24 (10.213.0.1 for A, 10.213.0.2 for B). */
  addr: string;
  netns: string;
  netnsPath: string;
  socketPath: string;
  /** A dockerode client for this node's engine. */
  docker: Docker;
  /** The node's swarm node ID (task.NodeID of the tasks it runs). */
  nodeId: string;
  /** PID of this node's dockerd. */
  pid: number;
  dataRoot: string;
  execRoot: string;
  cgroupParent: string;
  log: string;
}

export interface SwarmCluster {
  tag: string;
  dir: string;
  nodes: Record<NodeName, SwarmClusterNode>;
  /** The registry inside namespace A, as an image reference prefix: `10.213.0.1:5000`. */
  registry: string;
  /** /run/netns/<tag>-a: the manager's network namespace. */
  netnsA: string;
  /** Runs argv inside namespace A (`nsenter --net=<netnsA> -- argv`); the process is swept at stop(). */
  runInA(argv: string[], opts?: ExecaOptions): ResultPromise;
  /** Copies an image from the machine's main engine into the nodes' engines (both by default; save → load streams). */
  loadImage(ref: string, nodes?: NodeName[]): Promise<void>;
  /** Adds labels to a node's swarm spec (for placement constraints `node.labels.<k>==<v>`). */
  labelNode(name: NodeName, labels: Record<string, string>): Promise<void>;
  /** Simulates a lost node: SIGKILLs B's dockerd, containerd, shims and containers. stop() still cleans B. */
  stopNode(name: 'B'): Promise<void>;
  /** Tears the cluster down completely; idempotent. */
  stop(): Promise<void>;
  footprint: ClusterFootprint;
}

export interface SwarmClusterOptions {
  /** Bound for each start-up step (a loaded machine is slow); default 120 s. */
  stepTimeoutMs?: number;
  /** Swarm dispatcher heartbeat period (swarm default 5 s): how fast a lost node is noticed. */
  heartbeatPeriodMs?: number;
}

const SUBNET = '10.213.0';
const ADDRS: Record<NodeName, string> = { A: `${SUBNET}.1`, B: `${SUBNET}.2` };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
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
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>, failFast?: () => void): Promise<T> {
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

async function makeNetwork(nsA: string, nsB: string, vethA: string, vethB: string): Promise<void> {
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

interface Daemon {
  node: Omit<SwarmClusterNode, 'nodeId'>;
  child: ChildProcess;
}

function startDockerd(fp: ClusterFootprint, name: NodeName): Daemon {
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

async function waitDockerd(d: Daemon, ms: number): Promise<void> {
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

async function startRegistry(fp: ClusterFootprint, netnsA: string, ms: number): Promise<string> {
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
  await waitFor('the registry did not answer', ms, async () => ((await execa('nsenter', [`--net=${netnsA}`, ...probe], { reject: false, timeout: 10_000 })).exitCode === 0 ? true : undefined), died);
  return registry;
}

const exitSweeps = new Map<string, () => void>();
let exitHookInstalled = false;

/** Sweeps every cluster still up when the test process exits (a test that crashed before stop()). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const sweep of exitSweeps.values()) sweep();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const sweep of exitSweeps.values()) sweep();
      process.kill(process.pid, signal);
    });
  }
}

export async function startSwarmCluster(opts: SwarmClusterOptions = {}): Promise<SwarmCluster> {
  const stepMs = opts.stepTimeoutMs ?? 120_000;
  const tag = `bfsw-${randomBytes(3).toString('hex')}`;
  const short = tag.slice('bfsw-'.length);
  // Unix socket paths are limited to 108 bytes; containerd's sockets live deep under the exec roots.
  const parent = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  const fp: ClusterFootprint = { tag, dir: mkdtempSync(join(parent, `${tag}.`)), netns: [`${tag}-a`, `${tag}-b`], cgroupParents: [`${tag}-a`, `${tag}-b`], pids: new Set(), markers: [tag], shimSockets: new Set() };
  installExitHook();
  exitSweeps.set(tag, () => sweepCluster(fp));
  const daemons: Partial<Record<NodeName, Daemon>> = {};
  try {
    await makeNetwork(fp.netns[0]!, fp.netns[1]!, `bf${short}a`, `bf${short}b`);
    daemons.A = startDockerd(fp, 'A');
    daemons.B = startDockerd(fp, 'B');
    await Promise.all([waitDockerd(daemons.A, stepMs), waitDockerd(daemons.B, stepMs)]);
    const a = daemons.A.node.docker;
    const b = daemons.B.node.docker;
    const spec = opts.heartbeatPeriodMs ? { Dispatcher: { HeartbeatPeriod: opts.heartbeatPeriodMs * 1e6 } } : {};
    await withTimeout('swarm init on A', stepMs, a.swarmInit({ ListenAddr: `${ADDRS.A}:2377`, AdvertiseAddr: ADDRS.A, Spec: spec }));
    const swarm = await a.swarmInspect();
    await withTimeout(
      'swarm join of B',
      stepMs,
      b.swarmJoin({ ListenAddr: `${ADDRS.B}:2377`, AdvertiseAddr: ADDRS.B, RemoteAddrs: [`${ADDRS.A}:2377`], JoinToken: swarm.JoinTokens.Worker }),
    );
    const ids = {
      A: String((await a.info()).Swarm.NodeID),
      B: String((await b.info()).Swarm.NodeID),
    };
    await waitFor('two Ready nodes were not listed by the manager', stepMs, async () => {
      const nodes = await a.listNodes();
      return nodes.length === 2 && nodes.every((n: any) => n.Status?.State === 'ready') ? true : undefined;
    });
    const netnsA = `/run/netns/${fp.netns[0]}`;
    const registry = await startRegistry(fp, netnsA, stepMs);
    const nodes = {
      A: { ...daemons.A.node, nodeId: ids.A },
      B: { ...daemons.B.node, nodeId: ids.B },
    };
    return makeCluster(fp, nodes, registry, netnsA, daemons as Record<NodeName, Daemon>);
  } catch (e) {
    const logs = Object.values(daemons)
      .map((d) => `--- dockerd ${d.node.name} (${d.node.log}):\n${tail(d.node.log, 15)}`)
      .join('\n');
    sweepCluster(fp);
    exitSweeps.delete(tag);
    const err = e as Error;
    if (!/log tail/.test(err.message) && logs) err.message += `\n${logs}`;
    throw err;
  }
}

function makeCluster(fp: ClusterFootprint, nodes: Record<NodeName, SwarmClusterNode>, registry: string, netnsA: string, daemons: Record<NodeName, Daemon>) {
  const lost = new Set<NodeName>();
  let stopped = false;
  const cluster: SwarmCluster = {
    tag: fp.tag,
    dir: fp.dir,
    nodes,
    registry,
    netnsA,
    footprint: fp,
    runInA(argv, opts) {
      const child = execa('nsenter', [`--net=${netnsA}`, '--', ...argv], opts ?? {});
      if (child.pid) fp.pids.add(child.pid);
      return child;
    },
    async loadImage(ref, only = ['A', 'B']) {
      const main = await dockerForTests();
      for (const node of Object.values(nodes)) {
        if (lost.has(node.name) || !only.includes(node.name)) continue;
        const saved = await main.getImage(ref).get();
        const res = await node.docker.loadImage(saved);
        const text = await new Promise<string>((resolve, reject) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
          res.on('error', reject);
        });
        if (/"error/.test(text)) throw new Error(`swarm cluster: loading ${ref} into node ${node.name} failed: ${text}`);
      }
    },
    async labelNode(name, labels) {
      const node = nodes.A.docker.getNode(nodes[name].nodeId);
      const info = await node.inspect();
      const spec = { ...info.Spec, Labels: { ...(info.Spec.Labels ?? {}), ...labels } };
      await node.update({ _query: { version: info.Version.Index }, _body: spec });
    },
    async stopNode(name) {
      // A node lost with its machine: the daemon, its containerd, the shims and the task containers.
      lost.add(name);
      const d = daemons[name];
      try {
        process.kill(d.node.pid, 'SIGKILL');
      } catch {}
      await new Promise<void>((r) => (d.child.exitCode !== null || d.child.signalCode !== null ? r() : d.child.once('exit', () => r())));
      const node = d.node;
      const markers = [node.netns, `${fp.dir}/${name.toLowerCase()}/`];
      // The node's part of the footprint; the sockets of its killed shims go on the cluster's list for the sweep.
      killClusterProcesses({ ...fp, netns: [node.netns], cgroupParents: [node.cgroupParent], pids: new Set(), markers });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Graceful first (swarm state, task containers, containerd's own cleanup), bounded; the sweep does the rest.
      const teardown = new Docker({ socketPath: nodes.A.socketPath, timeout: 20_000 });
      for (const name of ['B', 'A'] as const) {
        if (lost.has(name)) continue;
        const docker = name === 'A' ? teardown : new Docker({ socketPath: nodes.B.socketPath, timeout: 20_000 });
        await docker.swarmLeave({ force: true }).catch(() => {});
      }
      for (const d of Object.values(daemons)) {
        if (lost.has(d.node.name) || d.child.exitCode !== null || d.child.signalCode !== null) continue;
        d.child.kill('SIGTERM');
      }
      await Promise.all(
        Object.values(daemons).map((d) =>
          d.child.exitCode !== null || d.child.signalCode !== null
            ? undefined
            : withTimeout('dockerd shutdown', 30_000, new Promise<void>((r) => d.child.once('exit', () => r()))).catch(() => {}),
        ),
      );
      sweepCluster(fp);
      exitSweeps.delete(fp.tag);
    },
  };
  return cluster;
}

/** What of the cluster is still on the machine (processes, mounts, netns, cgroup dirs, dirs, links); [] when gone. */
export function leftovers(cluster: SwarmCluster): string[] {
  return clusterLeftovers(cluster.footprint);
}
