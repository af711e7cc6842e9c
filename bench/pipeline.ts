/**
 * Pipeline benchmark (issue #5): `binfarm run` on an unchanged 5-subject farm must finish in
 * ≤ 1.0 s wall, Docker queries included, measured as users see it (spawning bin/binfarm.js);
 * after a one-atom USE change the run must rebuild exactly the changed subject and its
 * descendants. Uses the busybox stage3 fixture with the fixture emerge (test/fixtures/emerge)
 * on the real Docker engine.   node --import=tsx bench/pipeline.ts [--runs N] [--keep]
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emergeFixtureImage } from '../test/fixtures/emerge/image.ts';
import { dockerForTests } from '../test/helpers/docker.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
const BIN = new URL('../bin/binfarm.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'binfarm-bench-pipeline-'));
const prefix = `binfarm-bench-${process.pid}`;

const tree = join(dir, 'tree');
for (const p of ['profiles', 'app-misc/hello', 'sci-libs/gsl', 'dev-libs/boost', 'sci-physics/root', 'sci-physics/geant4', 'dev-python/numpy'])
  mkdirSync(join(tree, p), { recursive: true });
writeFileSync(join(tree, 'profiles/repo_name'), 'gentoo\n');

// base → hep-core → analysis → plots, base → mc-sim: 5 subjects
const config = (boostUse: string[]) => ({
  imagePrefix: prefix,
  stateDir: join(dir, 'state'),
  cacheDir: join(dir, 'cache'),
  stage3: { type: 'local', image: stage3 },
  tree: { type: 'dir', path: tree },
  mount: { strategy: 'bind' },
  base: { sets: { 'hf-base': { 'app-misc/hello': { use: ['nls'] } } } },
  subjects: {
    'hep-core': { sets: { 'hep-core': { 'sci-libs/gsl': {}, 'dev-libs/boost': { use: boostUse } } } },
    analysis: { parent: 'hep-core', sets: { analysis: { 'sci-physics/root': { use: ['python'] } } } },
    plots: { parent: 'analysis', sets: { plots: { 'dev-python/numpy': {} } } },
    'mc-sim': { sets: { mc: { 'sci-physics/geant4': {} } } },
  },
  binhost: { dir: join(dir, 'binhost') },
});
const stage3 = await emergeFixtureImage();
const write = (boostUse: string[]) => writeFileSync(join(dir, '.binfarmrc.json'), JSON.stringify(config(boostUse)));

interface RunEnd {
  status: string;
  summary: { built: string[]; skipped: string[]; failed: string[] };
}
async function run(): Promise<{ ms: number; end: RunEnd }> {
  const t0 = performance.now();
  const r = await execa('node', [BIN, '--cwd', dir, '--json', 'run'], { reject: false });
  const ms = performance.now() - t0;
  const end = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string } & RunEnd)
    .find((e) => e.event === 'run:end');
  if (!end || r.exitCode !== 0) throw new Error(`binfarm run failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  return { ms, end };
}

try {
  write(['python']);
  const first = await run();
  console.log(
    `first run (builds everything): ${(first.ms / 1000).toFixed(1)} s, built ${first.end.summary.built.length}: ${first.end.summary.built.join(', ')}`,
  );

  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await run();
    if (r.end.summary.built.length) throw new Error(`a no-op run built ${r.end.summary.built.join(', ')}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `no-op run, 5 subjects, ${runs} runs: median ${median.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms (target ≤ 1000 ms) ${median <= 1000 ? 'OK' : 'OVER'}`,
  );

  write(['python', 'numpy']);
  const changed = await run();
  const expected = ['analysis', 'hep-core', 'plots'];
  const built = [...changed.end.summary.built].sort();
  const exact = JSON.stringify(built) === JSON.stringify(expected);
  console.log(
    `one-atom USE change (dev-libs/boost in hep-core): rebuilt ${built.join(', ')}; skipped ${[...changed.end.summary.skipped].sort().join(', ')}; expected exactly ${expected.join(', ')}: ${exact ? 'OK' : 'WRONG'} (${(changed.ms / 1000).toFixed(1)} s)`,
  );
  if (!exact || median > 1000) process.exitCode = 1;
} finally {
  if (process.argv.includes('--keep')) {
    // leave the farm for profiling: node bin/binfarm.js --cwd <dir> run
    console.log(`kept ${dir} (images ${prefix}/*)`);
    process.exit(process.exitCode ?? 0);
  }
  const docker = await dockerForTests();
  for (const img of await docker.listImages({ filters: { label: ['binfarm.key'] } })) {
    if ((img.RepoTags ?? []).some((t) => t.startsWith(`${prefix}/`))) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
}
