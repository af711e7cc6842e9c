/**
 * The 2-node swarm harness (test/helpers/swarm-cluster.ts) against the real thing: two replicated
 * jobs placed on two nodes at once, an image pulled by digest from the cluster's registry on the
 * worker, HTTP to namespace A from both nodes, a lost node, and a teardown that leaves nothing.
 * Needs root (network namespaces, extra dockerd), as CI runs.
 */
import test from 'ava';
import type Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { leftovers, startSwarmCluster, type SwarmCluster } from '../helpers/swarm-cluster.ts';
import { RECORD_DIR } from '../helpers/swarm-cluster-stale.ts';
import { clusterLeftovers, type ClusterFootprint } from '../helpers/swarm-cluster-sweep.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = process.getuid?.() === 0;

/** Tags `ref` on node A, pushes it to the cluster registry and returns `<registry>/<repo>@sha256:…`. */
async function pushByDigest(cluster: SwarmCluster, ref: string, repo: string): Promise<string> {
  const a = cluster.nodes.A.docker;
  await a.getImage(ref).tag({ repo: `${cluster.registry}/${repo}`, tag: 'test' });
  // The engine wants an X-Registry-Auth header even for a registry without auth: an empty one.
  const stream = await a.getImage(`${cluster.registry}/${repo}:test`).push({ authconfig: {} });
  const events = await new Promise<any[]>((resolve, reject) =>
    a.modem.followProgress(stream, (err: Error | null, res: any[]) => (err ? reject(err) : resolve(res))),
  );
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

/** Splits the engine's multiplexed log stream (8-byte frame headers) into text. */
function demux(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return out;
}

/** When a job printed `start` and `end`, from its service logs with timestamps. */
async function logSpan(docker: Docker, serviceId: string): Promise<{ start: number; end: number }> {
  const raw = (await docker.getService(serviceId).logs({ stdout: true, stderr: true, timestamps: true })) as unknown as Buffer;
  const lines = demux(raw).split('\n');
  const at = (word: string) => Date.parse(lines.find((l) => l.trimEnd().endsWith(` ${word}`))?.split(' ')[0] ?? '');
  return { start: at('start'), end: at('end') };
}

function assertNothingLeft(t: import('ava').ExecutionContext, cluster: SwarmCluster): void {
  t.deepEqual(leftovers(cluster), [], 'the cluster left nothing behind');
}

const rootTest = root ? test.serial : test.serial.skip;

rootTest('two replicated jobs reserving a whole node each run at once on the two nodes (a third waits), from an image pulled by digest', async (t) => {
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
  // Each job waits for /go (written once both run, so they provably run at once), then fetches the token.
  const go = `http://${A.addr}:8080/go`;
  const script = `echo start; until wget -q -O /dev/null ${go}; do sleep 0.2; done; wget -q -O - ${url} | grep -qx ${token}; rc=$?; echo end; exit $rc`;
  const [s1, s2] = await Promise.all([
    A.docker.createService(jobSpec('job-1', remote, script, cpus)),
    A.docker.createService(jobSpec('job-2', remote, script, cpus)),
  ]);
  const running = await Promise.all([s1.id, s2.id].map((id) => waitTask(A.docker, id, ['running'], 120_000)));
  t.deepEqual(running.map((task) => task.NodeID).sort(), [A.nodeId, B.nodeId].sort(), 'both jobs run at once, one on each node');
  // A third job reserving a whole node has no node left while these two run.
  const s3 = await A.docker.createService(jobSpec('job-3', remote, script, cpus));
  const pending = await waitTask(A.docker, s3.id, ['pending'], 30_000);
  await sleep(1000);
  t.is((await tasksOf(A.docker, s3.id))[0].Status.State, 'pending', 'the third job waits for a free node');
  t.log(`a job with no node free: ${JSON.stringify(pending.Status)}`);
  writeFileSync(join(www, 'go'), 'go\n');

  const done = await Promise.all([s1.id, s2.id, s3.id].map((id) => waitTask(A.docker, id, ['complete', 'failed', 'rejected'], 90_000)));
  for (const task of done) {
    t.is(task.Status.State, 'complete', `task ${task.ID}: ${JSON.stringify(task.Status)}`);
    t.is(task.Status.ContainerStatus?.ExitCode, 0);
  }
  t.deepEqual(
    done
      .slice(0, 2)
      .map((task) => task.NodeID)
      .sort(),
    [A.nodeId, B.nodeId].sort(),
    'one job on each node',
  );
  // Both ran at once: each job's start line comes before the other's end line (log timestamps, read through the manager).
  const spans = await Promise.all([s1.id, s2.id].map((id) => logSpan(A.docker, id)));
  t.true(spans[0]!.start < spans[1]!.end && spans[1]!.start < spans[0]!.end, `the jobs overlap: ${JSON.stringify(spans)}`);
  t.log(`cluster up in ${upMs} ms; job spans ${JSON.stringify(spans.map((s) => [s.start - spans[0]!.start, s.end - spans[0]!.start]))} ms`);
  t.log(`a completed task: ${JSON.stringify({ NodeID: done[0].NodeID, DesiredState: done[0].DesiredState, Status: done[0].Status })}`);

  const pulled = await B.docker.getImage(remote).inspect();
  t.true(pulled.RepoDigests.includes(remote), `B pulled ${remote}: ${JSON.stringify(pulled.RepoDigests)}`);

  httpd.kill('SIGTERM');
  const log = String((await httpd).stderr);
  t.regex(log, new RegExp(`${A.addr.replace(/\./g, '\\.')}`), `a fetch from node A in httpd's log:\n${log}`);
  t.regex(log, new RegExp(`${B.addr.replace(/\./g, '\\.')}`), `a fetch from node B in httpd's log:\n${log}`);

  // leftovers() sees a live cluster: its daemons, mounts, namespaces, cgroup directories and dir.
  const live = leftovers(cluster);
  for (const kind of ['process', 'mount', 'netns', 'cgroup', 'dir'])
    t.true(
      live.some((l) => l.startsWith(`${kind} `)),
      `leftovers() lists a ${kind}`,
    );
  t.true(
    live.some((l) => l.includes(`process ${A.pid} `)),
    `dockerd A among ${live.filter((l) => l.startsWith('process')).join('; ')}`,
  );

  const stopStart = Date.now();
  await cluster.stop();
  t.log(`cluster down in ${Date.now() - stopStart} ms`);
  t.deepEqual(machineTraces(cluster), [], 'the machine shows nothing of the cluster');
  assertNothingLeft(t, cluster);
});

/** What the machine itself says is left of the cluster, checked without the helper's own leftovers(). */
function machineTraces(cluster: SwarmCluster): string[] {
  const out: string[] = [];
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (netns.includes(cluster.tag)) out.push(`ip netns list: ${netns.trim()}`);
  for (const node of Object.values(cluster.nodes)) if (existsSync(`/proc/${node.pid}`)) out.push(`dockerd ${node.name} (pid ${node.pid}) is alive`);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(cluster.tag));
  out.push(...mounts.map((m) => `mount: ${m}`));
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    for (const parent of [cluster.nodes.A.cgroupParent, cluster.nodes.B.cgroupParent]) {
      if (existsSync(join('/sys/fs/cgroup', hierarchy, parent))) out.push(`cgroup ${hierarchy}/${parent}`);
    }
  }
  if (existsSync(cluster.dir)) out.push(`dir ${cluster.dir}`);
  return out;
}

rootTest('a node lost mid-job: the manager marks it down, the task is left running, the job can be removed, and teardown is complete', async (t) => {
  // A 1 s heartbeat (swarm's default is 5 s) keeps the test short; the default timing is in the helper's doc comment.
  const heartbeatMs = 1000;
  const cluster = await startSwarmCluster({ heartbeatPeriodMs: heartbeatMs });
  t.teardown(() => cluster.stop());
  const { A, B } = cluster.nodes;
  const image = await stage3FixtureImage();
  await cluster.loadImage(image);
  for (const node of [A, B]) t.truthy(await node.docker.getImage(image).inspect(), `node ${node.name} has ${image}`);
  const remote = await pushByDigest(cluster, image, 'binfarm-test/stage3');
  // Placed through a node label the harness set.
  await cluster.labelNode('B', { 'binfarm.test.role': 'doomed' });
  const svc = await A.docker.createService(jobSpec('lost-job', remote, 'sleep 300', 1, ['node.labels.binfarm.test.role==doomed']));
  const running = await waitTask(A.docker, svc.id, ['running'], 90_000);
  t.is(running.NodeID, B.nodeId);

  // containerd 1.6 names the shim's socket after sha256("<containerd address>/<namespace>/<container id>").
  const shimKey = join(`${B.execRoot}/containerd/containerd.sock`, B.cgroupParent, running.Status.ContainerStatus.ContainerID);
  const shimSocket = `/run/containerd/s/${createHash('sha256').update(shimKey).digest('hex')}`;
  t.true(existsSync(shimSocket), `the job's shim socket ${shimSocket} exists`);

  const lostAt = Date.now();
  await cluster.stopNode('B');
  const timeline: string[] = [];
  let last = '';
  let downAfter: number | undefined;
  let task: any;
  // Watch until the node has been down for 5 heartbeats (time enough for the manager to act on the task).
  while (Date.now() - lostAt < 60_000 && (downAfter === undefined || Date.now() - lostAt < downAfter + 5 * heartbeatMs)) {
    const node = await A.docker.getNode(B.nodeId).inspect();
    task = (await tasksOf(A.docker, svc.id))[0];
    const now = `node ${node.Status.State}${node.Status.Message ? ` (${node.Status.Message})` : ''}; task ${task?.Status?.State} (desired ${task?.DesiredState})`;
    if (now !== last) timeline.push(`+${Date.now() - lostAt} ms: ${now}`);
    last = now;
    if (node.Status.State === 'down' && downAfter === undefined) downAfter = Date.now() - lostAt;
    await sleep(200);
  }
  t.log(`after B was lost:\n${timeline.join('\n')}`);
  t.truthy(downAfter, `the manager marked B down within 60 s:\n${timeline.join('\n')}`);
  // Swarm does not fail a job's task on a down node: it stays `running`, desired `complete`, until the service is removed.
  t.is(task.Status.State, 'running');
  t.is(task.NodeID, B.nodeId);

  await A.docker.getService(svc.id).remove();
  await t.throwsAsync(A.docker.getService(svc.id).inspect(), { message: /not found/ }, 'the service is gone');
  // listTasks filtered by a removed service answers 404: list them all. The lost node cannot confirm the
  // task's shutdown, so the manager keeps the task (desired `remove`) while the node is down.
  await sleep(3 * heartbeatMs);
  const orphan = (await A.docker.listTasks()).find((x: any) => x.ServiceID === svc.id);
  t.log(`the task after service rm: ${JSON.stringify({ DesiredState: orphan?.DesiredState, Status: orphan?.Status })}`);
  t.truthy(orphan, 'the task of the removed service stays listed while its node is down');

  await cluster.stop();
  t.deepEqual(machineTraces(cluster), [], 'the machine shows nothing of the cluster');
  t.false(existsSync(shimSocket), 'the socket of the killed shim is removed');
  assertNothingLeft(t, cluster);
});

rootTest('a cluster whose test process was SIGKILLed is swept when the next cluster starts, and only that one', async (t) => {
  const child = execa(process.execPath, ['--import=tsx', fileURLToPath(new URL('./cluster-child.ts', import.meta.url))], { reject: false, buffer: false });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its cluster was up`)));
  });
  const raw = JSON.parse(line);
  const fp: ClusterFootprint = { ...raw, pids: new Set<number>(), shimSockets: new Set<string>(raw.shimSockets) };
  child.kill('SIGKILL');
  await child;
  t.true(
    clusterLeftovers(fp).some((l) => l.startsWith('netns ')),
    'the killed process left its cluster up',
  );

  const next = await startSwarmCluster();
  t.teardown(() => next.stop());
  t.deepEqual(clusterLeftovers(fp), [], 'the stale cluster is gone');
  t.false(existsSync(join(RECORD_DIR, `${fp.tag}.json`)), 'and so is its record');
  t.true(existsSync(join(RECORD_DIR, `${next.tag}.json`)), 'the new cluster is recorded');
  t.is((await next.nodes.A.docker.listNodes()).length, 2, 'the new cluster is up');
  await next.stop();
  assertNothingLeft(t, next);
});
