/**
 * The footprint of a test swarm cluster (test/helpers/swarm-cluster.ts) on this machine, and the
 * synchronous sweep that removes all of it: processes, mounts, network namespaces, cgroup
 * directories, containerd shim sockets, the temp dir. Synchronous on purpose: the same sweep
 * runs from a process 'exit' handler when a test crashes, where nothing asynchronous runs.
 *
 * Everything a cluster makes carries its tag (`bfsw-<random>`) in its name or path, so what
 * belongs to it is found by that tag (and by the namespaces it made), never by a broad name.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterFootprint {
  /** `bfsw-<6 hex>`: part of every name and path the cluster makes. */
  tag: string;
  /** The cluster's temp dir (data roots, exec roots, sockets, logs, registry storage). */
  dir: string;
  /** Network namespace names (in /run/netns). */
  netns: string[];
  /** The dockerd `--cgroup-parent` names (top-level cgroup directories). */
  cgroupParents: string[];
  /** PIDs the harness started itself (dockerd, the registry, runInA children). */
  pids: Set<number>;
  /** Substrings of a command line that make a process the cluster's (its tag, its dir). */
  markers: string[];
  /** Sockets of containerd shims the harness killed (a killed shim cannot remove its own). */
  shimSockets: Set<string>;
}

const SHIM_SOCKET_DIR = '/run/containerd/s';

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function alive(pid: number): boolean {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return false;
  // The state follows the command in parentheses; a zombie holds no namespace, mount or cgroup.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function netnsInodes(fp: ClusterFootprint): Set<string> {
  const out = new Set<string>();
  for (const name of fp.netns) {
    try {
      out.add(`net:[${statSync(`/run/netns/${name}`).ino}]`);
    } catch {}
  }
  return out;
}

/** /proc/<pid>/cgroup lines are `id:controllers:/path`; ours are /<parent> and below. */
function inCgroups(cgroup: string, parents: string[]): boolean {
  return cgroup.split('\n').some((l) => {
    const path = l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1);
    return parents.some((p) => path === `/${p}` || path.startsWith(`/${p}/`));
  });
}

export interface ClusterProcess {
  pid: number;
  cmdline: string[];
  why: string;
}

/** Live processes of the cluster: started by it, named after it, in its cgroups or in its network namespaces. */
export function clusterProcesses(fp: ClusterFootprint): ClusterProcess[] {
  const nets = netnsInodes(fp);
  const out: ClusterProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || !alive(pid)) continue;
    const cmdline = readOr(`/proc/${pid}/cmdline`).split('\0').filter(Boolean);
    let why = '';
    if (fp.pids.has(pid)) why = 'started by the harness';
    else if (cmdline.some((a) => fp.markers.some((m) => a.includes(m)))) why = 'command line names the cluster';
    else if (inCgroups(readOr(`/proc/${pid}/cgroup`), fp.cgroupParents)) why = "in the cluster's cgroups";
    else {
      try {
        if (nets.has(readlinkSync(`/proc/${pid}/ns/net`))) why = "in the cluster's network namespace";
      } catch {}
    }
    if (why) out.push({ pid, cmdline, why });
  }
  return out;
}

/** Mount points under the cluster's dir or named after it (e.g. /run/netns/<tag>-a), deepest first. */
export function clusterMounts(fp: ClusterFootprint): string[] {
  const points = readOr('/proc/self/mountinfo')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => Boolean(p))
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p.startsWith(`${fp.dir}/`) || p === fp.dir || p.includes(fp.tag));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Roots of the mounted cgroup hierarchies: every v1 controller (and the named ones), or the one v2 root. */
function cgroupRoots(): string[] {
  return readOr('/proc/self/mountinfo')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4]!)
    .filter(Boolean);
}

/** The cluster's cgroup directories (its --cgroup-parent ones and everything below them), deepest first. */
export function clusterCgroupDirs(fp: ClusterFootprint): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[] = [];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return;
    }
    for (const n of names) walk(join(dir, n));
    out.push(dir);
  };
  for (const root of cgroupRoots()) {
    for (const parent of fp.cgroupParents) if (existsSync(join(root, parent))) walk(join(root, parent));
  }
  return out;
}

/**
 * containerd 1.6 names a shim's socket /run/containerd/s/<sha256 of "<address>/<namespace>/<id>">
 * (its shim.SocketAddress). A shim killed by the sweep cannot remove its own, so the sweep does.
 */
export function shimSocket(cmdline: string[]): string | undefined {
  const arg = (flag: string) => cmdline[cmdline.indexOf(flag) + 1];
  if (!cmdline[0]?.includes('containerd-shim') || !cmdline.includes('-id')) return undefined;
  const address = arg('-address');
  const ns = arg('-namespace');
  const id = arg('-id');
  if (!address || !ns || !id) return undefined;
  return join(
    SHIM_SOCKET_DIR,
    createHash('sha256')
      .update(join(address, ns, id))
      .digest('hex'),
  );
}

function run(argv: string[]): void {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 20_000 });
  } catch {}
}

/** SIGKILLs the footprint's processes and waits until they are gone; notes the sockets of the shims among them. */
export function killClusterProcesses(fp: ClusterFootprint): void {
  for (let round = 0; round < 5; round++) {
    const procs = clusterProcesses(fp);
    if (procs.length === 0) break;
    for (const p of procs) {
      const socket = shimSocket(p.cmdline);
      if (socket) fp.shimSockets.add(socket);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
    for (let i = 0; i < 100 && procs.some((p) => alive(p.pid)); i++) sleepSync(100);
  }
}

/**
 * Removes everything of the cluster, whatever state it is in; idempotent. SIGKILLs its processes
 * (stop() has already asked the daemons to stop gracefully), lazily unmounts what is left under
 * its dir, deletes its network namespaces (their veth pair, docker_gwbridge and ingress
 * devices go with them), rmdirs its cgroup directories, removes the shim sockets of the shims
 * it killed, and deletes its dir.
 */
export function sweepCluster(fp: ClusterFootprint): void {
  killClusterProcesses(fp);
  for (const point of clusterMounts(fp)) run(['umount', '-l', point]);
  for (const name of fp.netns) if (existsSync(`/run/netns/${name}`)) run(['ip', 'netns', 'del', name]);
  for (let attempt = 0; attempt < 20; attempt++) {
    const dirs = clusterCgroupDirs(fp);
    if (dirs.length === 0) break;
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch {}
    }
    if (clusterCgroupDirs(fp).length > 0) sleepSync(100);
  }
  for (const s of fp.shimSockets) {
    try {
      unlinkSync(s);
    } catch {}
  }
  rmSync(fp.dir, { recursive: true, force: true });
  for (const pid of fp.pids) if (!alive(pid)) fp.pids.delete(pid);
}

/** What of the cluster is still on the machine, one line per thing; empty after a complete teardown. */
export function clusterLeftovers(fp: ClusterFootprint): string[] {
  const out: string[] = [];
  for (const p of clusterProcesses(fp)) out.push(`process ${p.pid} (${p.why}): ${p.cmdline.join(' ')}`);
  for (const m of clusterMounts(fp)) out.push(`mount ${m}`);
  for (const name of fp.netns) if (existsSync(`/run/netns/${name}`)) out.push(`netns ${name}`);
  for (const d of clusterCgroupDirs(fp)) out.push(`cgroup ${d}`);
  if (existsSync(fp.dir)) out.push(`dir ${fp.dir}`);
  for (const s of fp.shimSockets) if (existsSync(s)) out.push(`shim socket ${s}`);
  const links = readOr('/proc/net/dev')
    .split('\n')
    .map((l) => l.split(':')[0]!.trim())
    .filter((n) => n.includes(fp.tag.slice('bfsw-'.length)));
  for (const l of links) out.push(`link ${l} (in the host's network namespace)`);
  return out;
}
