/**
 * tree.nodePath on the real 2-node cluster (test/helpers/swarm-cluster.ts): the nodes' dockerd
 * share this machine's filesystem, so a host directory is a path "every node already has", as
 * CVMFS is at a site. A job binds it read-only at the tree's mount point, no tree volume is made
 * or filled; a node whose copy is not binfarm's snapshot fails the job with the marker that differs.
 */
import test from 'ava';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leftovers, startSwarmCluster, type SwarmCluster } from '../helpers/swarm-cluster.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { failure, swarmFarm, type SwarmFarm } from './swarm-farm.ts';

let cluster: SwarmCluster;
let stage3: string;

test.before(async () => {
  stage3 = await emergeFixtureImage();
  cluster = await startSwarmCluster();
  await cluster.loadImage(stage3, ['A']);
});

test.after.always(async () => {
  await cluster?.stop();
});

/** The farm's tree with a snapshot timestamp, and a copy of it at `<dir>/node-tree` (the "node path"). */
function withNodeTree(farm: SwarmFarm, stamp: string): { tree: string; nodeTree: string } {
  const tree = join(farm.dir, 'tree');
  mkdirSync(join(tree, 'metadata'), { recursive: true });
  writeFileSync(join(tree, 'metadata/timestamp.chk'), `${stamp}\n`);
  const nodeTree = join(farm.dir, 'node-tree');
  cpSync(tree, nodeTree, { recursive: true });
  return { tree, nodeTree };
}

async function treeVolumes(): Promise<string[]> {
  const names: string[] = [];
  for (const node of ['A', 'B'] as const) {
    const { Volumes } = (await cluster.nodes[node].docker.listVolumes()) as { Volumes: Array<{ Name: string }> | null };
    names.push(...(Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith('binfarm-tree-')));
  }
  return names;
}

/** The mounts of a subject's running build job (its service spec). */
async function jobMountsOf(subject: string): Promise<unknown[]> {
  const services = await cluster.nodes.A.docker.listServices({ filters: { label: [`binfarm.subject=${subject}`, 'binfarm.role=build'] } } as never);
  const specs = services as unknown as Array<{ Spec: { TaskTemplate: { ContainerSpec: { Mounts?: unknown[] } } } }>;
  return specs[0]?.Spec.TaskTemplate.ContainerSpec.Mounts ?? [];
}

function binpkgs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((p) => p.endsWith('.gpkg.tar'))
    : [];
}

test.serial('a job binds the tree from tree.nodePath read-only; no tree volume is filled', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'nodepath', stage3);
  const { tree, nodeTree } = withNodeTree(farm, 'Mon, 30 Nov 2026 00:45:01 +0000');
  farm.write({ tree: { type: 'dir', path: tree, nodePath: nodeTree }, subjects: { alpha: { sets: { alpha: { 'app-misc/alpha-wait6': {} } } } } });
  let mounts: Promise<unknown[]> | undefined;
  const r = await farm.run([], {
    onEvent: (e) => {
      if (mounts || e.event !== 'output' || e.subject !== 'alpha' || !/fixture: waiting/.test(e.line ?? '')) return;
      // While the job runs: its service's mounts.
      mounts = jobMountsOf('alpha');
    },
  });
  t.is(r.exitCode, 0, failure(r));
  t.truthy(mounts, 'the job was seen running');
  const jobMounts = (await mounts!) as Array<{ Type: string; Source?: string; Target: string; ReadOnly?: boolean }>;
  t.deepEqual(
    jobMounts.filter((m) => m.Target === '/var/db/repos/gentoo').map((m) => ({ Type: m.Type, Source: m.Source, ReadOnly: m.ReadOnly })),
    [{ Type: 'bind', Source: nodeTree, ReadOnly: true }],
  );
  t.regex(r.stdout, /binfarm-job: the node's trees match binfarm's \(1 markers\)/);
  t.deepEqual(await treeVolumes(), [], 'no tree volume on any node');
  t.false(existsSync(join(farm.stateDir, 'swarm-trees.json')), 'no fill was recorded');
  t.false(r.events.some((e) => e.event === 'log' && /fill the tree volume|tree volume binfarm-tree-/.test(JSON.stringify(e))));
  t.true(binpkgs(farm.binhost).some((p) => p.includes('alpha-wait6')));
});

test.serial('a node whose copy at tree.nodePath is another snapshot fails the job with the marker that differs; nothing enters the binhost', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'nodestale', stage3);
  const { tree, nodeTree } = withNodeTree(farm, 'Tue, 01 Dec 2026 00:45:01 +0000');
  writeFileSync(join(nodeTree, 'metadata/timestamp.chk'), 'Sun, 29 Nov 2026 00:45:01 +0000\n');
  farm.write({ tree: { type: 'dir', path: tree, nodePath: nodeTree }, subjects: { beta: { sets: { beta: { 'app-misc/gamma': {} } } } } });
  const r = await farm.run();
  t.not(r.exitCode, 0);
  const all = `${r.stderr}\n${r.stdout}`;
  t.regex(all, /subject \\?"beta\\?" on node .* found the node's tree is not the snapshot binfarm planned with/);
  t.regex(all, /node has +\/var\/db\/repos\/gentoo\/metadata\/timestamp\.chk: Sun, 29 Nov 2026/);
  t.regex(all, /tree\.nodePath/);
  t.false(binpkgs(farm.binhost).some((p) => p.includes('gamma')));
  t.deepEqual(await treeVolumes(), []);
});

test.serial('a nodeMarker the tree does not have is refused before any job runs', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'nodemark', stage3);
  const { tree, nodeTree } = withNodeTree(farm, 'Tue, 01 Dec 2026 00:45:01 +0000');
  farm.write({
    tree: { type: 'dir', path: tree, nodePath: nodeTree, nodeMarker: 'metadata/no-such-stamp' },
    subjects: { gamma: { sets: { gamma: { 'app-misc/gamma': {} } } } },
  });
  const r = await farm.run();
  t.not(r.exitCode, 0);
  t.regex(`${r.stderr}\n${r.stdout}`, /tree\.nodeMarker \\?"metadata\/no-such-stamp\\?" is not a file of the repository/);
  t.false(r.stdout.includes('binfarm-job:'), 'no job ran');
});

test.serial('the cluster is torn down completely', async (t) => {
  await cluster.stop();
  t.deepEqual(leftovers(cluster), []);
});
