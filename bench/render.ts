/**
 * Benchmark: render the /etc/portage of every subject of a generated 20-subject × 300-atom
 * farm (issue #3: ≤ 200 ms). Each subject's model includes its ancestors (a two-level DAG on
 * the base), so this renders well over 6000 atom specs. Prints cold (first, includes farm
 * creation and config validation) and warm figures.
 *
 *   node --import=tsx bench/render.ts
 */
import { ConfigSchema, type BinfarmConfigInput } from '../core/config/schema/index.ts';
import { createFarm } from '../core/farm.ts';
import { renderSubject } from '../core/portage/render-subject.ts';

const SUBJECTS = 20;
const ATOMS = 300;
const CATS = ['dev-libs', 'sci-libs', 'sci-physics', 'dev-python', 'media-libs', 'x11-libs', 'dev-cpp', 'net-libs'];
const FLAGS = ['X', 'qt6', 'python', 'threads', 'doc', 'examples', 'opengl', 'hdf5', 'lapack', 'zstd', 'ssl', 'cuda'];

/** A deterministic pseudo-random sequence, so every run renders the same config. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

export function generateConfig(subjects = SUBJECTS, atoms = ATOMS): BinfarmConfigInput {
  const r = rng(42);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const out: NonNullable<BinfarmConfigInput['subjects']> = {};
  for (let s = 0; s < subjects; s++) {
    const name = `layer-${String(s).padStart(2, '0')}`;
    const sets: Record<string, Record<string, Record<string, unknown>>> = {};
    for (let a = 0; a < atoms; a++) {
      const set = `${name}-set-${a % 5}`;
      const pkg = `${pick(CATS)}/pkg-s${s}a${a}`;
      const atom = a % 7 === 0 ? `>=${pkg}-${1 + (a % 9)}.${a % 13}.${a % 3}` : a % 11 === 0 ? `=${pkg}-2.${a % 5}*` : pkg;
      const spec: Record<string, unknown> = { use: Array.from({ length: 1 + (a % 4) }, () => (r() < 0.3 ? '-' : '') + pick(FLAGS)) };
      if (a % 3 === 0) spec.accept_keywords = ['~amd64'];
      if (a % 10 === 0) spec.license = ['MSttfEULA', '@BINARY-REDISTRIBUTABLE'];
      if (a % 25 === 0) spec.env = ['big.conf'];
      if (a % 6 === 0) spec.deps = { [`${pick(CATS)}/dep-s${s}a${a}`]: { use: [pick(FLAGS)] } };
      (sets[set] ??= {})[atom] = spec;
    }
    // a two-level DAG: four subjects on the base, the others on one of those
    out[name] = { parent: s < 4 ? 'base' : `layer-${String(s % 4).padStart(2, '0')}`, sets: sets as never, portage: { makeConf: { USE: `s${s}` } } };
  }
  return { subjects: out, portage: { makeopts: '-j8', files: { 'env/big.conf': 'MAKEOPTS="-j2"\n' } } };
}

async function renderAll(config: BinfarmConfigInput): Promise<{ ms: number; setupMs: number; files: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const farm = createFarm({ options: ConfigSchema.parse(config), rootDir: process.cwd(), command: 'render' });
  const names = [...farm.subjects().keys()];
  const t1 = process.hrtime.bigint();
  let files = 0;
  let bytes = 0;
  for (const name of names) {
    const r = await renderSubject(farm, name);
    files += r.files.size;
    for (const v of r.files.values()) bytes += v.length;
  }
  return { ms: Number(process.hrtime.bigint() - t1) / 1e6, setupMs: Number(t1 - t0) / 1e6, files, bytes };
}

const config = generateConfig();
const cold = await renderAll(config);
const runs: Array<{ ms: number; setupMs: number }> = [];
for (let i = 0; i < 10; i++) runs.push(await renderAll(config));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const warm = med(runs.map((r) => r.ms));
const warmSetup = med(runs.map((r) => r.setupMs));
const rssMb = process.memoryUsage().rss / 2 ** 20;
console.log(`render: ${SUBJECTS} subjects × ${ATOMS} atoms (+ ancestors), ${cold.files} files, ${(cold.bytes / 1024).toFixed(0)} KiB rendered`);
console.log(
  `render: cold ${cold.ms.toFixed(1)} ms for all subjects (first run, JIT warm-up), plus ${cold.setupMs.toFixed(1)} ms config validation and farm creation`,
);
console.log(
  `render: warm median ${warm.toFixed(1)} ms for all subjects (min ${Math.min(...runs.map((r) => r.ms)).toFixed(1)}), plus ${warmSetup.toFixed(1)} ms config validation`,
);
console.log(`render: rss ${rssMb.toFixed(0)} MiB; target ≤ 200 ms: ${cold.ms <= 200 ? 'met' : 'NOT met'} cold, ${warm <= 200 ? 'met' : 'NOT met'} warm`);
