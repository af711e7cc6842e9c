import type { BinfarmOptions } from '../../config/schema/index.ts';
import { memoryBytes } from '../../executor/swarm/resources.ts';
import { defineCheck, type CheckResult } from '../types.ts';

interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Spec?: { Availability?: string; Role?: string };
  Status?: { State?: string; Addr?: string };
}

/**
 * With `run.executor: 'swarm'`, what a run would find out only when its first job waits: the
 * engine is an active swarm manager, a registry is set, nodes are ready, and every subject's
 * reserved resources fit on at least one node (a job no node can hold waits swarm.pendingTimeout,
 * then fails its subject).
 */
export const swarmCheck = defineCheck({
  id: 'swarm',
  title: 'swarm executor',
  async run(ctx) {
    if (ctx.options.run.executor !== 'swarm') return { status: 'ok', summary: `not used (run.executor is "${ctx.options.run.executor}")` };
    if (!ctx.options.registry?.url) {
      return {
        status: 'fail',
        summary: 'run.executor is "swarm" but registry.url is not set',
        hint: 'Set registry.url to a registry every node can pull from (images move between nodes through it; docs/scale-out.md#setting-up).',
      };
    }
    const [{ resolveConnection }, { default: Docker }] = await Promise.all([import('../../engine/connect.ts'), import('dockerode')]);
    const conn = resolveConnection(ctx.options.docker, ctx.env, ctx.rootDir);
    const docker = new Docker(conn.options);
    let info: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeAddr?: string } };
    try {
      info = (await docker.info()) as typeof info;
    } catch (e) {
      return { status: 'fail', summary: `no Docker Engine answers at ${conn.display}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
    }
    const s = info.Swarm;
    if (s?.LocalNodeState !== 'active') {
      return {
        status: 'fail',
        summary: `the engine at ${conn.display} is not in a swarm (state: ${s?.LocalNodeState || 'unknown'})`,
        hint: 'Run `docker swarm init` on this machine and `docker swarm join` on the others (docs/scale-out.md#setting-up).',
      };
    }
    if (!s.ControlAvailable) {
      return {
        status: 'fail',
        summary: `the engine at ${conn.display} is a swarm worker, not a manager`,
        hint: 'Run binfarm on a manager node, or promote this one: `docker node promote <node>` on a manager.',
      };
    }
    return nodesResult(ctx.options, s.NodeAddr ?? '?', (await docker.listNodes()) as SwarmNode[]);
  },
});

function nodesResult(options: BinfarmOptions, managerAddr: string, nodes: SwarmNode[]): CheckResult {
  const usable = nodes.filter((n) => n.Status?.State === 'ready' && (n.Spec?.Availability ?? 'active') === 'active');
  const describe = (n: SwarmNode) => {
    const r = n.Description?.Resources ?? {};
    return `${n.Description?.Hostname ?? n.ID.slice(0, 12)} (${(r.NanoCPUs ?? 0) / 1e9} CPUs, ${gib(r.MemoryBytes ?? 0)})`;
  };
  const summary = `manager at ${managerAddr}; ${usable.length} of ${nodes.length} node(s) take jobs: ${usable.map(describe).join(', ') || 'none'}`;
  if (usable.length === 0) {
    return {
      status: 'fail',
      summary,
      hint: 'No node is ready and active: check `docker node ls` (a drained node takes no jobs: `docker node update --availability active <node>`).',
    };
  }
  const maxCpus = Math.max(...usable.map((n) => (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9));
  const maxMem = Math.max(...usable.map((n) => n.Description?.Resources?.MemoryBytes ?? 0));
  const tooBig: string[] = [];
  const reservations: Array<[string, { cpus?: number; memory?: string } | undefined]> = [
    ['base', options.base.resources],
    ...Object.entries(options.subjects).map(([name, s]): [string, { cpus?: number; memory?: string } | undefined] => [`subjects.${name}`, s.resources]),
  ];
  for (const [where, r] of reservations) {
    if (r?.cpus !== undefined && r.cpus > maxCpus) tooBig.push(`${where}.resources.cpus ${r.cpus} (largest node: ${maxCpus})`);
    if (r?.memory !== undefined && memoryBytes(r.memory) > maxMem) tooBig.push(`${where}.resources.memory ${r.memory} (largest node: ${gib(maxMem)})`);
  }
  if (tooBig.length > 0) {
    return {
      status: 'fail',
      summary: `${summary}; no node can hold ${tooBig.join('; ')}`,
      hint: `Lower those reservations or add a larger node: such a job waits swarm.pendingTimeout (${options.swarm.pendingTimeout} s), then fails its subject.`,
    };
  }
  const down = nodes.length - usable.length;
  if (down > 0) return { status: 'warn', summary, hint: `${down} node(s) are down or drained: \`docker node ls\` shows which.` };
  return { status: 'ok', summary, details: { nodes: usable.map(describe) } };
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
