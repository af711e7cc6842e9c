/**
 * Benchmark: cold config load (issue #2: ≤ 150 ms). Each sample is a fresh Node process that
 * loads binfarm's config loader and then discovers, loads (jiti), overrides and validates this
 * repository's binfarm.config.ts with its plugins (@binfarm/plugin-hep, -smoke). Printed: the
 * loader's own module import, the config load itself, their sum, and the time since process
 * start (which adds Node's own start-up).
 *
 *   node --import=tsx bench/config.ts [runs]
 */
import { fileURLToPath } from 'node:url';
import { loadAverage, measure, median } from './_measure.ts';

const RUNS = Number(process.argv[2] ?? 10);
const root = fileURLToPath(new URL('..', import.meta.url));
const child = fileURLToPath(new URL('./_config-child.mjs', import.meta.url));

interface Sample {
  importMs: number;
  loadMs: number;
  totalMs: number;
  sinceStartMs: number;
  subjects: number;
  plugins: number;
}

console.log(`bench/config: node ${process.versions.node}, ${RUNS} fresh processes, load average ${loadAverage()}`);
const first = await measure([child, root], { cwd: root });
if (first.exitCode !== 0) throw new Error(first.stderr);
const samples: Sample[] = [];
let rss = 0;
const cpu: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const m = await measure([child, root], { cwd: root });
  samples.push(JSON.parse(m.stdout) as Sample);
  rss = Math.max(rss, m.peakRssMb);
  cpu.push(m.cpuMs);
}
const f = (xs: number[]) => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
const firstSample = JSON.parse(first.stdout) as Sample;
console.log(`config: first process (transform caches cold or warm as found): ${firstSample.totalMs.toFixed(0)} ms`);
console.log(`config: loader import ${f(samples.map((s) => s.importMs))}`);
console.log(`config: load + validate ${f(samples.map((s) => s.loadMs))}  (${samples[0]!.plugins} plugins, ${samples[0]!.subjects} config subjects)`);
console.log(
  `config: cold config load, import + load ${f(samples.map((s) => s.totalMs))} → ${median(samples.map((s) => s.totalMs)) <= 150 ? 'meets' : 'MISSES'} ≤ 150 ms`,
);
console.log(`config: since process start ${f(samples.map((s) => s.sinceStartMs))}; whole process CPU ${f(cpu)}; peak RSS ${rss.toFixed(0)} MB`);
