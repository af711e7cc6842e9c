/**
 * The 2-node swarm harness (test/helpers/swarm-cluster.ts) against the real thing: two replicated
 * jobs placed on two nodes at once, an image pulled by digest from the cluster's registry on the
 * worker, HTTP to namespace A from both nodes, a lost node, and a teardown that leaves nothing.
 * Needs root (network namespaces, extra dockerd), as CI runs.
 */
import test from 'ava';
import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { leftovers, startSwarmCluster, type SwarmCluster } from '../helpers/swarm-cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = process.getuid?.() === 0;

/** Tags `ref` on node A, pushes it to the cluster registry and returns `<registry>/<repo>@sha256:…`. */
async function pushByDigest(cluster: SwarmCluster, ref: string, repo: string): Promise<string> {
  const a = cluster.nodes.A.docker;
  await a.getImage(ref).tag({ repo: `${cluster.registry}/${repo}`, tag: 'test' });
  const stream = await a.getImage(`${cluster.registry}/${repo}:test`).push({});
  const events = await new Promise<any[]>((resolve, reject) => a.modem.followProgress(stream, (err: Error | null, res: any[]) => (err ? reject(err) : resolve(res))));
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`push failed: ${failed.error}`);
  const digest = events.find((e) => e.aux?.Digest)?.aux.Digest as string | undefined;
  if (!digest) throw new Error(`push reported no digest: ${JSON.stringify(events.slice(-3))}`);
  return `${cluster.registry}/${repo}@${digest}`;
}

/**
 * A replicated job (API 1.41) with host networking that reserves `cpus` whole CPUs: the shape the
 * swarm executor uses (see the doc comment of test/helpers/swarm-cluster.ts).
 */
function jobSpec(name: string, image: string, script: string, cpus: number, constraints: string[] = []) {
  return {
    Name: name,
    Labels: { 'binfarm.test': 'swarm-cluster' },
    TaskTemplate: {
      ContainerSpec: { Image: image, Command: ['/bin/sh', '-c', script] },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Resources: { Reservations: { NanoCPUs: cpus * 1e9 } },
      Placement: { Constraints: constraints },
      Networks: [{ Target: 'host' }],
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  };
}

async function tasksOf(docker: Docker, serviceId: string): Promise<any[]> {
  return docker.listTasks({ filters: { service: [serviceId] } });
}

async function waitTask(docker: Docker, serviceId: string, states: string[], ms: number): Promise<any> {
  const deadline = Date.now() + ms;
  let last: any;
  while (Date.now() < deadline) {
    const tasks = await tasksOf(docker, serviceId);
    last = tasks[0];
    if (last && states.includes(last.Status?.State)) return last;
    await sleep(250);
  }
  throw new Error(`task of ${serviceId} not in ${states.join('/')} within ${ms} ms; last: ${JSON.stringify(last?.Status)}`);
}

function assertNothingLeft(t: import('ava').ExecutionContext, cluster: SwarmCluster): void {
  t.deepEqual(leftovers(cluster), [], 'the cluster left nothing behind');
}

const rootTest = root ? test.serial : test.serial.skip;

rootTest('two replicated jobs reserving a whole node each run at once on the two nodes, from an image pulled by digest', async (t) => {
  const started = Date.now();
  const cluster = await startSwarmCluster();
  t.teardown(() => cluster.stop());
  const upMs = Date.now() - started;
  const { A, B } = cluster.nodes;

  const infoB = await B.docker.info();
  t.is(infoB.Swarm.LocalNodeState, 'active');
  t.false(infoB.Swarm.ControlAvailable, 'B is a worker');
  const nodes = await A.docker.listNodes();
  t.deepEqual(nodes.map((n: any) => n.Status.State).sort(), ['ready', 'ready']);
  t.deepEqual(nodes.map((n: any) => n.ID).sort(), [A.nodeId, B.nodeId].sort());

  // The fixture image reaches A only; B gets it from the registry, by digest.
  const image = await stage3FixtureImage();
  await cluster.loadImage(image, ['A']);
  const remote = await pushByDigest(cluster, image, 'binfarm-test/stage3');
  await t.throwsAsync(B.docker.getImage(remote).inspect(), undefined, 'B does not have the image before the job');

  // An HTTP server inside namespace A, on the cluster address: what the jobs fetch from.
  const www = mkdtempSync(join(tmpdir(), 'bfsw-www-'));
  t.teardown(() => rmSync(www, { recursive: true, force: true }));
  const token = `token-${process.pid}-${Date.now()}`;
  writeFileSync(join(www, 'hello.txt'), `${token}\n`);
  const httpd = cluster.runInA(['busybox', 'httpd', '-f', '-vv', '-p', `${A.addr}:8080`, '-h', www], { reject: false, buffer: true });
  t.teardown(() => {
    httpd.kill('SIGKILL');
  });
  const url = `http://${A.addr}:8080/hello.txt`;

  const cpus = Number((await A.docker.info()).NCPU);
  const script = `sleep 3; wget -q -O - ${url} | grep -qx ${token}`;
  const [s1, s2] = await Promise.all([
    A.docker.createService(jobSpec('job-1', remote, script, cpus)),
    A.docker.createService(jobSpec('job-2', remote, script, cpus)),
  ]);
  const done = await Promise.all([s1.id, s2.id].map((id) => waitTask(A.docker, id, ['complete', 'failed', 'rejected'], 90_000)));
  for (const task of done) {
    t.is(task.Status.State, 'complete', `task ${task.ID}: ${JSON.stringify(task.Status)}`);
    t.is(task.Status.ContainerStatus?.ExitCode, 0);
  }
  t.deepEqual(done.map((task) => task.NodeID).sort(), [A.nodeId, B.nodeId].sort(), 'one job on each node');
  // Both ran at once: each one's sleep 3 overlaps the other's.
  const spans = done.map((task) => [Date.parse(task.Status.ContainerStatus?.StartedAt ?? task.CreatedAt), Date.parse(task.Status.Timestamp)]);
  t.log(`cluster up in ${upMs} ms; task spans (ms after the first start): ${JSON.stringify(spans.map(([s, e]) => [s! - spans[0]![0]!, e! - spans[0]![0]!]))}`);

  const pulled = await B.docker.getImage(remote).inspect();
  t.true(pulled.RepoDigests.includes(remote), `B pulled ${remote}: ${JSON.stringify(pulled.RepoDigests)}`);

  httpd.kill('SIGTERM');
  const log = String((await httpd).stderr);
  t.regex(log, new RegExp(`${A.addr.replace(/\./g, '\\.')}`), `a fetch from node A in httpd's log:\n${log}`);
  t.regex(log, new RegExp(`${B.addr.replace(/\./g, '\\.')}`), `a fetch from node B in httpd's log:\n${log}`);

  const stopStart = Date.now();
  await cluster.stop();
  t.log(`cluster down in ${Date.now() - stopStart} ms`);
  assertNothingLeft(t, cluster);
});
