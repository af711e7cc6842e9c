/**
 * Benchmark: `binfarm plan` as a user runs it (a fresh process of bin/binfarm.js), on this
 * repository's config and on a generated farm of 20 subjects × 300 atoms. Targets (issue #2):
 * ≤ 400 ms wall and ≤ 150 MB peak RSS. Each case runs once to warm the on-disk transform
 * caches (reported as "first"), then N times; the median and the worst run are printed.
 *
 *   node --import=tsx bench/plan.ts [runs]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, measure, median, type Measurement } from './_measure.ts';

const RUNS = Number(process.argv[2] ?? 7);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/binfarm.js');

const CATS = ['dev-libs', 'sci-libs', 'sci-physics', 'dev-python', 'media-libs', 'dev-cpp', 'net-libs'];
const FLAGS = ['X', 'qt6', 'python', 'threads', 'doc', 'examples', 'opengl', 'hdf5', 'lapack', 'zstd'];

/** 20 subjects in a two-level DAG, 300 atoms each (USE, keywords, licences, env, deps). */
function generatedConfig(subjects = 20, atoms = 300): string {
  const out: Record<string, unknown> = {};
  for (let s = 0; s < subjects; s++) {
    const name = `layer-${String(s).padStart(2, '0')}`;
    const sets: Record<string, Record<string, unknown>> = {};
    for (let a = 0; a < atoms; a++) {
      const pkg = `${CATS[(s + a) % CATS.length]}/pkg-s${s}a${a}`;
      const atom = a % 7 === 0 ? `>=${pkg}-${1 + (a % 9)}.${a % 13}` : pkg;
      const spec: Record<string, unknown> = { use: [FLAGS[a % FLAGS.length], `-${FLAGS[(a + 3) % FLAGS.length]}`] };
      if (a % 3 === 0) spec.accept_keywords = ['~amd64'];
      if (a % 10 === 0) spec.license = ['MSttfEULA'];
      if (a % 25 === 0) spec.env = ['no-tmpfs.conf'];
      if (a % 6 === 0) spec.deps = { [`${CATS[a % CATS.length]}/dep-s${s}a${a}`]: { use: ['threads'] } };
      (sets[`${name}-set-${a % 5}`] ??= {})[atom] = spec;
    }
    out[name] = { parent: s < 4 ? 'base' : `layer-${String(s % 4).padStart(2, '0')}`, sets };
  }
  const config = {
    name: 'generated',
    subjects: out,
    portage: { makeopts: '-j8', files: { 'env/no-tmpfs.conf': 'PORTAGE_TMPDIR="/var/tmp/portage-ondisk"\n' } },
  };
  return `import { defineConfig } from 'binfarm';\n\nexport default defineConfig(${JSON.stringify(config, null, 1)});\n`;
}

async function bench(label: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const first = await measure([bin, 'plan'], { cwd, env });
  if (first.exitCode !== 0) throw new Error(`${label}: binfarm plan exited ${first.exitCode}\n${first.stderr}`);
  const runs: Measurement[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure([bin, 'plan'], { cwd, env }));
  const wall = runs.map((r) => r.wallMs);
  const rss = runs.map((r) => r.peakRssMb);
  const cpu = runs.map((r) => r.cpuMs);
  const subjects = /^plan: (\d+) subjects/m.exec(first.stdout)?.[1];
  const ok = median(wall) <= 400 && Math.max(...rss) <= 150;
  console.log(
    `plan ${label} (${subjects} subjects): first ${first.wallMs.toFixed(0)} ms; median ${median(wall).toFixed(0)} ms wall ` +
      `(min ${Math.min(...wall).toFixed(0)}, max ${Math.max(...wall).toFixed(0)}), CPU median ${median(cpu).toFixed(0)} ms, peak RSS ${Math.max(...rss).toFixed(0)} MB ` +
      `→ ${ok ? 'meets' : 'MISSES'} ≤ 400 ms / ≤ 150 MB`,
  );
}

console.log(`bench/plan: node ${process.versions.node}, ${RUNS} runs per case, load average ${loadAverage()}`);
await bench('repository config', root);
// For comparison: the same under tsx's module hooks (bin/binfarm.js explains the choice).
await bench('repository config, BINFARM_LOADER=tsx', root, { BINFARM_LOADER: 'tsx' });
const gen = mkdtempSync(join(tmpdir(), 'binfarm-bench-plan-'));
try {
  writeFileSync(join(gen, 'package.json'), '{ "name": "generated", "private": true, "type": "module" }\n');
  writeFileSync(join(gen, 'binfarm.config.ts'), generatedConfig());
  await bench('generated 20 × 300', gen);
} finally {
  rmSync(gen, { recursive: true, force: true });
}
