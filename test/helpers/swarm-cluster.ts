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
 * Measured with Docker 20.10.24 (API 1.41) on a 2-core machine under load (test/swarm/cluster.test.ts):
 * - Up 7.6–8.5 s, down 5–6 s (load average 10–20).
 * - A job that must reach 10.213.0.1 (registry, binhost, upload endpoint) needs host networking:
 *     createService({ Name, Labels,
 *       TaskTemplate: { ContainerSpec: { Image: '10.213.0.1:5000/<repo>@sha256:…', Command: ['/bin/sh', '-c', script] },
 *         RestartPolicy: { Condition: 'none' }, Resources: { Reservations: { NanoCPUs: info.NCPU * 1e9 } },
 *         Placement: { Constraints: ['node.id==<id>'] }, Networks: [{ Target: 'host' }] },
 *       Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } } })
 *   `Networks: [{ Target: 'host' }]` gives the task container HostConfig.NetworkMode 'host': it shares the
 *   node's namespace and connects from 10.213.0.<n>. Leaving Networks empty gives NetworkMode 'default',
 *   which with `--bridge none` is loopback only ("Network is unreachable").
 * - Reading a job: `listTasks({ filters: { service: [id] } })` → task.NodeID, task.Status.State
 *   ('complete' | 'failed' | 'rejected' | 'running' …), task.Status.ContainerStatus.ExitCode; a job's
 *   DesiredState is 'complete' from the start. Logs through the manager, also of a task on B:
 *   `getService(id).logs({ stdout: true, stderr: true, timestamps: true })` → a multiplexed Buffer.
 *   listTasks filtered by a service that was removed answers 404.
 * - Pushing from A: `getImage(ref).push({ authconfig: {} })`; without an X-Registry-Auth header the
 *   engine answers 400. The digest is in the progress event with `aux.Digest`. A task whose image is
 *   `<registry>/<repo>@sha256:…` pulls it on its node (B's RepoDigests then list that reference).
 * - A lost node (stopNode: the daemon, containerd, shims and containers SIGKILLed): the manager sets
 *   the node's Status.State 'down', Status.Message 'heartbeat failure', 8.4–10.1 s after the loss with
 *   swarm's default 5 s heartbeat, 1.9–3.7 s with `heartbeatPeriodMs: 1000`. The task does NOT change:
 *   it stays Status.State 'running', DesiredState 'complete' (watched for 95 s), no new task is made,
 *   and after `service rm` it is still listed (also 30 s after `node rm --force`). A swarm executor must
 *   therefore fail a subject itself when the node of its running task is 'down', then remove the service.
 */
import Docker from 'dockerode';
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerForTests } from './docker.ts';
import { clusterLeftovers, killClusterProcesses, sweepCluster, type ClusterFootprint } from './swarm-cluster-sweep.ts';
import { forgetCluster, recordCluster, recordPath, sweepStaleClusters } from './swarm-cluster-stale.ts';
import { ADDRS, makeNetwork, startDockerd, startRegistry, tail, waitDockerd, waitFor, withTimeout, type Daemon, type NodeName } from './swarm-cluster-start.ts';

export type { NodeName } from './swarm-cluster-start.ts';

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
  const fp: ClusterFootprint = {
    tag,
    dir: mkdtempSync(join(parent, `${tag}.`)),
    netns: [`${tag}-a`, `${tag}-b`],
    cgroupParents: [`${tag}-a`, `${tag}-b`],
    pids: new Set(),
    markers: [tag],
    shimSockets: new Set(),
  };
  installExitHook();
  sweepStaleClusters();
  recordCluster(fp);
  exitSweeps.set(tag, () => {
    sweepCluster(fp);
    forgetCluster(tag);
  });
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
    forgetCluster(tag);
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
      recordCluster(fp);
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
      forgetCluster(fp.tag);
      exitSweeps.delete(fp.tag);
    },
  };
  return cluster;
}

/** What of the cluster is still on the machine (processes, mounts, netns, cgroup dirs, dirs, links); [] when gone. */
export function leftovers(cluster: SwarmCluster): string[] {
  const record = recordPath(cluster.tag);
  return [...clusterLeftovers(cluster.footprint), ...(existsSync(record) ? [`record ${record}`] : [])];
}
