/**
 * The swarm executor on a real 2-node cluster (test/helpers/swarm-cluster.ts; issue #12's Done-when):
 * placement of independent subjects on two nodes at once, a child built on the other node from
 * its parent's layers by digest, a failing job with its log tail, Ctrl-C mid-job, a node lost
 * mid-job, and the binhost index equal to the local executor's. binfarm runs as the real command
 * inside the manager's namespace; the fixture emerge stands in for Portage inside the jobs.
 */
import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { leftovers, startSwarmCluster, type SwarmCluster } from '../helpers/swarm-cluster.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { comparableIndex, emergeNote, emergeWindow, failure, noteNodes, swarmFarm } from './swarm-farm.ts';

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

const nodeCpus = 2;
const ids = () => ({ A: cluster.nodes.A.nodeId.slice(0, 12), B: cluster.nodes.B.nodeId.slice(0, 12) });

/** Every file of a partition tree (relative paths), for "nothing entered" checks. */
function binpkgs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else if (e.name.endsWith('.gpkg.tar')) out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

async function swarmServices(): Promise<string[]> {
  const services = await cluster.nodes.A.docker.listServices({ filters: { label: ['binfarm.owned=1'] } } as never);
  return (services as unknown as Array<{ Spec?: { Name?: string } }>).map((s) => s.Spec?.Name ?? '?');
}

/** The swarm secrets (job tokens) binfarm left on the manager. */
async function swarmSecrets(): Promise<string[]> {
  const secrets = await cluster.nodes.A.docker.listSecrets({ filters: { label: ['binfarm.owned=1'] } } as never);
  return (secrets as unknown as Array<{ Spec?: { Name?: string } }>).map((s) => s.Spec?.Name ?? '?');
}

async function taskContainers(node: 'A' | 'B'): Promise<string[]> {
  const cs = await cluster.nodes[node].docker.listContainers({ all: true, filters: { label: ['com.docker.swarm.service.id'] } } as never);
  return (cs as unknown as Array<{ Names: string[] }>).map((c) => c.Names[0] ?? '?');
}

test.serial('two independent subjects run at once on two different nodes; a child runs on the other node from its parent by digest', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'place', stage3);
  const whole = { cpus: nodeCpus };
  farm.write({
    base: { sets: { 'hf-base': { 'app-misc/hello': {} } } },
    subjects: {
      alpha: { sets: { alpha: { 'app-misc/alpha-wait6': {} } }, resources: whole, placement: ['node.role==manager'] },
      beta: { sets: { beta: { 'app-misc/beta-wait6': {} } }, resources: whole, placement: ['node.role==worker'] },
      // A child of alpha (built on the manager), placed on the worker: it starts from alpha's layers through the registry.
      gamma: { parent: 'alpha', sets: { gamma: { 'app-misc/gamma': {} } }, placement: ['node.role==worker'] },
    },
    run: { concurrency: 2 },
  });
  const r = await farm.run();
  t.is(r.exitCode, 0, failure(r));
  const node = ids();
  t.deepEqual(noteNodes(emergeNote(r.events, 'alpha')), [node.A]);
  t.deepEqual(noteNodes(emergeNote(r.events, 'beta')), [node.B]);
  t.deepEqual(noteNodes(emergeNote(r.events, 'gamma')), [node.B]);
  // At the same time: the two emerge phases (each waits 6 s in its job) overlap.
  const [a0, a1] = emergeWindow(r.events, 'alpha');
  const [b0, b1] = emergeWindow(r.events, 'beta');
  t.true(a0 < b1 && b0 < a1, `alpha ${a0}-${a1}, beta ${b0}-${b1}`);
  // Node B pulled gamma's job image by digest from the registry; its lower layers are alpha's image.
  const onB = (await cluster.nodes.B.docker.listImages()) as Array<{ RepoDigests?: string[]; Id: string }>;
  const gammaJob = onB.find((i) => (i.RepoDigests ?? []).some((d) => d.startsWith(`${cluster.registry}/place/gamma@sha256:`)));
  t.truthy(gammaJob, JSON.stringify(onB.map((i) => i.RepoDigests)));
  const alphaImage = (await cluster.nodes.A.docker.listImages({ filters: { reference: ['bf-place/alpha'] } } as never)) as unknown as Array<{ Id: string }>;
  t.true(alphaImage.length > 0);
  const alphaLayers = ((await cluster.nodes.A.docker.getImage(alphaImage[0]!.Id).inspect()) as { RootFS: { Layers: string[] } }).RootFS.Layers;
  const gammaLayers = ((await cluster.nodes.B.docker.getImage(gammaJob!.Id).inspect()) as { RootFS: { Layers: string[] } }).RootFS.Layers;
  t.deepEqual(gammaLayers.slice(0, alphaLayers.length), alphaLayers);
  // gamma's image has its parent's package and its own, installed from the uploaded binpkgs.
  t.regex(emergeNote(r.events, 'gamma'), /^built 1, reused 0/);
  // Each job's end came from the job's own report (job-end.ts), not the task state; the services
  // and their secrets removed in the background were gone when the run ended.
  for (const s of ['alpha', 'beta', 'gamma']) {
    t.true(
      r.events.some((e) => e.event === 'log' && e.subject === s && /the job reported its end \(status 0\); its service is removed in the background/.test(String(e.message))),
      s,
    );
  }
  t.deepEqual(await swarmServices(), []);
  t.deepEqual(await swarmSecrets(), []);
  // What the nodes keep: the job images they pulled, labelled binfarm.job, which a node's
  // `docker image prune -a --filter label=binfarm.job` takes (docs/scale-out.md#what-piles-up); the
  // subject images made on the manager do not carry the label.
  const jobImages = async () => (await cluster.nodes.B.docker.listImages({ filters: { label: ['binfarm.job'] } } as never)) as unknown as Array<{ Id: string }>;
  t.true((await jobImages()).length >= 2, 'beta and gamma ran on B');
  const alphaLabels = ((await cluster.nodes.A.docker.getImage(alphaImage[0]!.Id).inspect()) as { Config: { Labels: Record<string, string> } }).Config.Labels;
  t.is(alphaLabels['binfarm.job'], undefined);
  // A node removes a removed service's task containers in its own time: the images are in use until then.
  for (let i = 0; i < 60 && (await taskContainers('B')).length; i++) await sleep(500);
  // An unused image without the label (the stage3, loaded here) must survive the prune.
  await cluster.loadImage(stage3, ['B']);
  const others = async () => (await cluster.nodes.B.docker.listImages()).length - (await jobImages()).length;
  const before = await others();
  t.true(before >= 1);
  await cluster.nodes.B.docker.pruneImages({ filters: { label: ['binfarm.job'], dangling: ['false'] } } as never);
  t.deepEqual(await jobImages(), []);
  t.is(await others(), before, 'no other image was pruned');
  await cluster.nodes.B.docker.getImage(stage3).remove();
});

test.serial('binfarm doctor on the manager lists the nodes that take jobs and refuses a reservation no node can hold', async (t) => {
  const { runDoctor } = await import('../../core/doctor/doctor.ts');
  const { swarmCheck } = await import('../../core/doctor/checks/swarm.ts');
  const { ConfigSchema } = await import('../../core/config/schema/index.ts');
  const doctor = async (config: object) => {
    const options = ConfigSchema.parse({ run: { executor: 'swarm' }, registry: { url: `${cluster.registry}/doc` }, docker: { host: `unix://${cluster.nodes.A.socketPath}` }, ...config });
    const report = await runDoctor({ config: { options, configFile: '/tmp/binfarm.config.ts', rootDir: '/tmp', fileConfig: {}, overrides: [], warnings: [] }, checks: [swarmCheck] });
    return report.checks[0]!;
  };
  const fits = await doctor({ subjects: { a: { resources: { cpus: nodeCpus } } } });
  t.is(fits.status, 'ok', JSON.stringify(fits));
  t.regex(fits.summary, new RegExp(`manager at ${cluster.nodes.A.addr}; 2 of 2 node\\(s\\) take jobs`));
  const tooBig = await doctor({ subjects: { big: { resources: { cpus: 64 } } } });
  t.is(tooBig.status, 'fail');
  t.regex(tooBig.summary, /no node can hold subjects\.big\.resources\.cpus 64 \(largest node: 2\)/);
});

test.serial("the binhost index after a swarm run equals the local executor's for the same farm", async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const config = {
    base: { sets: { 'hf-base': { 'app-misc/hello': { use: ['nls'] } } } },
    subjects: { alpha: { sets: { alpha: { 'app-misc/gamma': {}, 'app-misc/hello': {} } } } },
  };
  const swarm = swarmFarm(cluster, 'same-s', stage3);
  swarm.write(config);
  const local = swarmFarm(cluster, 'same-l', stage3);
  local.write({ ...config, run: { executor: 'local' } });
  const [rs, rl] = [await swarm.run(), await local.run()];
  t.is(rs.exitCode, 0, failure(rs));
  t.is(rl.exitCode, 0, failure(rl));
  const partitions = (root: string) =>
    readdirSync(root, { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('Packages'))
      .sort();
  t.deepEqual(partitions(swarm.binhost), partitions(local.binhost));
  t.true(partitions(swarm.binhost).length > 0);
  for (const p of partitions(swarm.binhost)) t.deepEqual(comparableIndex(join(swarm.binhost, p)), comparableIndex(join(local.binhost, p)), p);
});

test.serial("a failing job fails its subject with the failing package's log tail; the packages that built are kept", async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'fail', stage3);
  farm.write({ subjects: { bad: { sets: { bad: { 'app-misc/gamma': {}, 'app-misc/broken': {} } } } } });
  const r = await farm.run();
  t.not(r.exitCode, 0);
  const all = `${r.stderr}\n${r.stdout}`;
  t.regex(all, /emerge failed for subject \\?"bad\\?": 1 package\(s\) failed/);
  t.regex(all, /expected ';' before '}' token/);
  // The failing package's log came back with the job and sits where a local build's would.
  const logs = readdirSync(join(farm.stateDir, 'runs'), { recursive: true })
    .map(String)
    .filter((p) => /portage-logs\/bad\/.*broken.*\.log$/.test(p));
  t.is(logs.length, 1, JSON.stringify(logs));
  t.true(
    binpkgs(farm.binhost).some((p) => p.includes('gamma')),
    'the package that did build is in the partition',
  );
  t.false(binpkgs(farm.binhost).some((p) => p.includes('broken')));
});

test.serial('Ctrl-C mid-job removes the service, its task containers on every node and its uploads', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'intr', stage3);
  farm.write({ subjects: { stuck: { sets: { stuck: { 'app-misc/slowpoke': {} } }, placement: ['node.role==worker'] } } });
  const before = binpkgs(farm.binhost);
  let sent = false;
  const r = await farm.run([], {
    onEvent: (e) => {
      if (!sent && e.event === 'output' && e.subject === 'stuck' && /fixture: sleeping/.test(e.line ?? '')) {
        sent = true;
        process.kill(farm.lastPid()!, 'SIGINT');
      }
    },
  });
  t.true(sent, 'the job was seen sleeping');
  t.is(r.exitCode, 130, r.stderr);
  t.deepEqual(await swarmServices(), []);
  t.deepEqual(await swarmSecrets(), [], "the job's token secret is gone too");
  // Nodes remove a removed service's task containers themselves; give them a moment.
  for (let i = 0; i < 60 && ((await taskContainers('A')).length || (await taskContainers('B')).length); i++) await sleep(500);
  t.deepEqual(await taskContainers('A'), []);
  t.deepEqual(await taskContainers('B'), []);
  const incoming = join(farm.stateDir, 'incoming');
  t.deepEqual(existsSync(incoming) ? readdirSync(incoming) : [], []);
  t.deepEqual(binpkgs(farm.binhost), before);
});

test.serial('a killed run leaves its service behind; the next swarm run sweeps it', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'kill', stage3);
  farm.write({ subjects: { stuck: { sets: { stuck: { 'app-misc/slowpoke': {} } } } } });
  let killed = false;
  const r = await farm.run([], {
    onEvent: (e) => {
      if (!killed && e.event === 'output' && e.subject === 'stuck' && /fixture: sleeping/.test(e.line ?? '')) {
        killed = true;
        process.kill(farm.lastPid()!, 'SIGKILL');
      }
    },
  });
  t.true(killed);
  t.not(r.exitCode, 0);
  t.true(
    (await swarmServices()).some((n) => n.endsWith('-stuck')),
    'the killed run could not remove its service',
  );
  farm.write({ subjects: { stuck: { sets: { stuck: { 'app-misc/gamma': {} } } } } });
  const next = await farm.run();
  t.is(next.exitCode, 0, failure(next));
  t.true(next.events.some((e) => e.event === 'log' && /removed \d+ leftover\(s\) of earlier interrupted run/.test(String(e.message))));
  t.deepEqual(await swarmServices(), []);
  const secrets = (await cluster.nodes.A.docker.listSecrets({ filters: { label: ['binfarm.owned=1'] } } as never)) as unknown as unknown[];
  t.deepEqual(secrets, []);
});

test.serial('a node lost mid-job fails its subject cleanly and the next run builds it again', async (t) => {
  t.timeout(10 * 60_000, 'binfarm runs on the 2-node cluster');
  const farm = swarmFarm(cluster, 'lost', stage3);
  const subjects = (placement: string[]) => ({ far: { sets: { far: { 'app-misc/slowpoke': {} } }, placement } });
  farm.write({ subjects: subjects(['node.role==worker']) });
  let stopped = false;
  const r = await farm.run([], {
    onEvent: (e) => {
      if (!stopped && e.event === 'output' && e.subject === 'far' && /fixture: sleeping/.test(e.line ?? '')) {
        stopped = true;
        void cluster.stopNode('B');
      }
    },
  });
  t.true(stopped);
  t.not(r.exitCode, 0);
  t.regex(`${r.stderr}\n${r.stdout}`, /node .* went (down|unknown|disconnected) while the job ran there/);
  t.false(binpkgs(farm.binhost).some((p) => p.includes('slowpoke')));
  t.deepEqual(await swarmServices(), []);
  // The next run (B is gone: the manager takes it, and a quick package) builds the subject.
  farm.write({ subjects: { far: { sets: { far: { 'app-misc/gamma': {} } }, placement: ['node.role==manager'] } } });
  const again = await farm.run();
  t.is(again.exitCode, 0, failure(again));
  t.deepEqual(noteNodes(emergeNote(again.events, 'far')), [ids().A]);
});

test.serial('the cluster is torn down completely (no netns, dockerd, cgroups, mounts or swarm state left)', async (t) => {
  await cluster.stop();
  t.deepEqual(leftovers(cluster), []);
});
