/**
 * Scale-out benchmark (issue #12): four independent subjects whose (fixture) emerge waits 20 s —
 * time without CPU, since both test nodes share this machine's cores — each job reserving a whole
 * node, built by the swarm executor on a real 2-node cluster (test/helpers/swarm-cluster.ts) with
 * one node available (the worker drained) and with two. Target: ≥ 1.7× faster on 2 nodes. Also
 * the per-subject overhead of the swarm executor against the local executor (target ≤ 1.5 s): the
 * same one-package subject built both ways on the manager, subject time against subject time.
 * Each run prints where its time went (bench/scale-parts.ts: phases, and the steps of each job).
 * binfarm runs its compiled copy, as an installed binfarm does (rebuilt first: bench/_compiled.ts),
 * or its sources through jiti with --source.
 *   node --import=tsx bench/scale.ts [--wait S] [--only speedup|overhead] [--keep] [--source]
 * SCALE_EVENTS=<prefix> also writes each run's JSON events to <prefix>-<round>.json.
 * Needs root (network namespaces, extra dockerd), like the test suite.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSwarmCluster } from '../test/helpers/swarm-cluster.ts';
import { emergeFixtureImage } from '../test/fixtures/emerge/image.ts';
import { swarmFarm, type JsonEvent } from '../test/swarm/swarm-farm.ts';
import { formatParts, formatShape, medianParts, runShape, subjectParts } from './scale-parts.ts';
import { binfarmCode } from './_compiled.ts';

const wait = Number(process.argv[process.argv.indexOf('--wait') + 1]) || 20;
const SUBJECTS = ['s1', 's2', 's3', 's4'];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const code = await binfarmCode();
// BINFARM_LOADER empty: bin/binfarm.js runs dist/ (swarmFarm's default is tsx, for the tests).
const env = { BINFARM_LOADER: '', ...code.env };
const stage3 = await emergeFixtureImage();
const cluster = await startSwarmCluster();
try {
  await cluster.loadImage(stage3, ['A']);
  const cpus = ((await cluster.nodes.A.docker.info()) as { NCPU: number }).NCPU;
  const farm = swarmFarm(cluster, 'scale', stage3, { env });
  // A USE flag per round makes exactly the four subjects stale again (the base is not touched).
  const write = (round: number) =>
    farm.write({
      subjects: Object.fromEntries(
        SUBJECTS.map((s) => [s, { sets: { [s]: { [`app-misc/${s}-wait${wait}`]: { use: [`round${round}`] } } }, resources: { cpus } }]),
      ),
      run: { concurrency: 4 },
    });
  const availability = async (node: 'B', value: 'active' | 'drain') => {
    const n = cluster.nodes.A.docker.getNode(cluster.nodes[node].nodeId);
    const info = (await n.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await n.update({ version: info.Version.Index, ...info.Spec, Availability: value } as never);
    await sleep(500);
  };
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  const timed = async (label: string, round: number) => {
    write(round);
    const t0 = performance.now();
    const r = await farm.run();
    const ms = performance.now() - t0;
    if (process.env.SCALE_EVENTS) writeFileSync(`${process.env.SCALE_EVENTS}-${round}.json`, JSON.stringify(r.events));
    if (r.exitCode !== 0) throw new Error(`${label}: binfarm run failed (${r.exitCode}):\n${r.stderr.slice(-3000)}`);
    const built = r.events.filter((e) => e.event === 'subject:end' && (e as JsonEvent & { status?: string }).status === 'built').length;
    console.log(`${label}: ${(ms / 1000).toFixed(1)} s for ${built} subject(s) (load at start ${load()})`);
    const parts = SUBJECTS.map((sub) => subjectParts(r.events, sub));
    console.log(`  phases, median of the 4: ${formatParts(medianParts(parts.map((p) => p.phases)))}`);
    console.log(`  emerge phase, median of the 4: ${formatParts(medianParts(parts.map((p) => p.job)))}`);
    console.log(`  run shape: ${formatShape(runShape(r.events, SUBJECTS))}`);
    return ms;
  };

  console.log(
    `scale-out: binfarm runs ${code.label}; 4 subjects, each job waiting ${wait} s and reserving ${cpus} CPUs (a whole node); load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (only !== 'overhead') {
    await timed('warm-up (base, tree volumes, 4 subjects; 2 nodes)', 0);
    await availability('B', 'drain');
    const one = await timed('1 node ', 1);
    await availability('B', 'active');
    const two = await timed('2 nodes', 2);
    const ratio = one / two;
    console.log(`speed-up on 2 nodes: ×${ratio.toFixed(2)} (target ≥ 1.7) ${ratio >= 1.7 ? 'MET' : 'NOT MET'}`);
  }

  if (only !== 'speedup') {
    // Per-subject overhead: one quick package, on the manager, local executor against swarm executor.
    const quick = swarmFarm(cluster, 'overhead', stage3, { env });
    const subjectMs = async (executor: string, round: number) => {
      quick.write({ subjects: { q: { sets: { q: { 'app-misc/gamma': { use: [`r${round}`] } } }, placement: ['node.role==manager'] } }, run: { executor } });
      const r = await quick.run();
      if (process.env.SCALE_EVENTS) writeFileSync(`${process.env.SCALE_EVENTS}-q${executor}${round}.json`, JSON.stringify(r.events));
      if (r.exitCode !== 0) throw new Error(`overhead (${executor}) failed:\n${r.stderr.slice(-3000)}`);
      const end = r.events.find((e) => e.event === 'subject:end' && e.subject === 'q') as (JsonEvent & { ms?: number }) | undefined;
      parts[executor]!.push(subjectParts(r.events, 'q'));
      return end?.ms ?? NaN;
    };
    const parts: Record<string, ReturnType<typeof subjectParts>[]> = { local: [], swarm: [] };
    await subjectMs('swarm', 0); // base, tree volume, registry layers
    parts.swarm = [];
    const pairs: Array<[number, number]> = [];
    console.log(`overhead: load at start ${load()}`);
    for (let i = 1; i <= 3; i++) pairs.push([await subjectMs('local', i * 2), await subjectMs('swarm', i * 2 + 1)]);
    const overhead = pairs.map(([l, s]) => s - l).sort((a, b) => a - b)[1]!;
    console.log(`per-subject time, local vs swarm (ms): ${pairs.map(([l, s]) => `${Math.round(l)} / ${Math.round(s)}`).join(', ')}`);
    for (const ex of ['local', 'swarm']) console.log(`  ${ex} phases, median of 3: ${formatParts(medianParts(parts[ex]!.map((p) => p.phases)))}`);
    console.log(`  swarm emerge phase, median of 3: ${formatParts(medianParts(parts.swarm.map((p) => p.job)))}`);
    console.log(`swarm executor overhead per subject: ${(overhead / 1000).toFixed(2)} s median (target ≤ 1.5 s) ${overhead <= 1500 ? 'MET' : 'NOT MET'}`);
  }
} finally {
  if (!process.argv.includes('--keep')) await cluster.stop();
}
