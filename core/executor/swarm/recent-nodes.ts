/**
 * The cluster's nodes as the manager saw them at most a second ago, one `listNodes` shared by all
 * the jobs a run is waiting for. Each job polls its tasks every 150 ms; asking for the nodes as
 * often (only to notice a node that went down, which the manager itself takes ~10 s to declare)
 * cost four jobs ~25 API calls a second on the manager, on the machine that also runs binfarm.
 */
import type Docker from 'dockerode';
import { swarmNodes, type NodeView } from './services.ts';

const MAX_AGE_MS = 1000;
const seen = new WeakMap<Docker, { at: number; nodes: Promise<NodeView[]> }>();

export function recentNodes(docker: Docker, now = Date.now()): Promise<NodeView[]> {
  const last = seen.get(docker);
  if (last && now - last.at < MAX_AGE_MS) return last.nodes;
  const nodes = swarmNodes(docker);
  seen.set(docker, { at: now, nodes });
  // A failed listing is not kept: the next caller asks again.
  nodes.catch(() => {
    if (seen.get(docker)?.nodes === nodes) seen.delete(docker);
  });
  return nodes;
}
