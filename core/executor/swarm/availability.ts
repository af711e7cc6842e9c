/**
 * What the swarm executor needs before any subject builds, each refusal with its fix: a registry
 * (images move between nodes through it), an engine that is a swarm manager, API 1.41 (Docker 20.10,
 * what binfarm is tested with), and an engine on this machine (the subject image is still committed from a build
 * container that binds the partition; docs/scale-out.md#what-runs-where).
 */
import type { RunContext } from '../../types.ts';
import { compareApiVersions } from '../../engine/connect.ts';
import { dockerodeOf } from '../../engine/dockerode-of.ts';

export interface ManagerInfo {
  nodeId: string;
  /** The manager's swarm address: where nodes reach it, and so the endpoint's default host. */
  nodeAddr: string;
}

export async function swarmUnavailable(run: RunContext): Promise<string | undefined> {
  const o = run.options;
  if (!o.registry?.url) {
    return 'it needs registry.url: subject images reach the nodes through a registry every node can pull from (e.g. registry: { url: "10.0.0.5:5000/hep" })';
  }
  const engine = await run.engine();
  if (!engine.local) {
    return `the engine at ${engine.host} is not on this machine; binfarm must run on a swarm manager (the subject image is made here from the binpkgs the jobs upload)`;
  }
  const { apiVersion } = await engine.ping();
  if (compareApiVersions(apiVersion, '1.41') < 0) return `the engine speaks API ${apiVersion}; the swarm executor needs 1.41 (Docker 20.10) or newer`;
  const manager = await managerInfo(run);
  if (!manager) {
    return `the engine at ${engine.host} is not a swarm manager; run binfarm on a manager node (\`docker swarm init\` makes one; docs/scale-out.md#setting-up)`;
  }
  return undefined;
}

/**
 * How many nodes take jobs now (ready and active): as many subjects prepare at once on this host
 * (core/run/preparation-turns.ts). At least 1; undefined (no limit) when the engine does not say.
 */
export async function jobNodes(run: RunContext): Promise<number | undefined> {
  const docker = await dockerodeOf(await run.engine(), 'the swarm executor');
  const nodes = (await docker.listNodes().catch(() => undefined)) as Array<{ Status?: { State?: string }; Spec?: { Availability?: string } }> | undefined;
  if (!nodes) return undefined;
  return Math.max(1, nodes.filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active').length);
}

/** The swarm facts of the run's engine, or undefined when it is not an active manager. */
export async function managerInfo(run: RunContext): Promise<ManagerInfo | undefined> {
  const docker = await dockerodeOf(await run.engine(), 'the swarm executor');
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string; NodeAddr?: string } };
  const s = info.Swarm;
  if (s?.LocalNodeState !== 'active' || !s.ControlAvailable || !s.NodeID || !s.NodeAddr) return undefined;
  return { nodeId: s.NodeID, nodeAddr: s.NodeAddr };
}
