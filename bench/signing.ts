/**
 * Signing benchmark (issue #14): what signing binpkgs on the host adds to the package phase of the
 * 5-subject farm of bench/pipeline.ts (busybox stage3 fixture, fixture emerge, real Docker, real gpg
 * with a throwaway ed25519 key). Each round builds the farm from scratch twice, unsigned and signed
 * (alternating which goes first, fresh state and image prefix each), and sums the `package` phase
 * times of the five subjects from `binfarm --json run`'s phase:end events. Target: signed ≤ 1.10 × unsigned.
 *   node --import=tsx bench/signing.ts [--rounds N]
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emergeFixtureImage } from '../test/fixtures/emerge/image.ts';
import { dockerForTests } from '../test/helpers/docker.ts';
import { testKeyring } from '../test/helpers/gpg-keys.ts';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 2;
const BIN = new URL('../bin/binfarm.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'binfarm-bench-signing-'));
const prefixes: string[] = [];
const tree = join(dir, 'tree');
for (const p of ['profiles', 'app-misc/hello', 'sci-libs/gsl', 'dev-libs/boost', 'sci-physics/root', 'sci-physics/geant4', 'dev-python/numpy'])
  mkdirSync(join(tree, p), { recursive: true });
writeFileSync(join(tree, 'profiles/repo_name'), 'gentoo\n');
const stage3 = await emergeFixtureImage();
const ring = await testKeyring();
const key = await ring.addKey('Bench binhost <bench@example.org>');

/** One cold build of the farm; returns the summed package-phase ms and how many subjects were built. */
async function build(name: string, signed: boolean): Promise<{ packageMs: number; built: number; wallMs: number }> {
  const farm = join(dir, name);
  mkdirSync(farm, { recursive: true });
  const prefix = `binfarm-bench-sign-${process.pid}-${name}`;
  prefixes.push(prefix);
  const config = {
    imagePrefix: prefix,
    stateDir: join(farm, 'state'),
    cacheDir: join(dir, 'cache'),
    stage3: { type: 'local', image: stage3 },
    tree: { type: 'dir', path: tree },
    mount: { strategy: 'bind' },
    base: { sets: { 'hf-base': { 'app-misc/hello': { use: ['nls'] } } } },
    subjects: {
      'hep-core': { sets: { 'hep-core': { 'sci-libs/gsl': {}, 'dev-libs/boost': { use: ['python'] } } } },
      analysis: { parent: 'hep-core', sets: { analysis: { 'sci-physics/root': { use: ['python'] } } } },
      plots: { parent: 'analysis', sets: { plots: { 'dev-python/numpy': {} } } },
      'mc-sim': { sets: { mc: { 'sci-physics/geant4': {} } } },
    },
    binhost: { dir: join(farm, 'binhost'), ...(signed ? { signing: { key, gpgHome: ring.gpgHome } } : {}) },
  };
  writeFileSync(join(farm, '.binfarmrc.json'), JSON.stringify(config));
  const t0 = performance.now();
  const r = await execa('node', [BIN, '--cwd', farm, '--json', 'run'], { reject: false });
  const wallMs = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`binfarm run failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  let packageMs = 0;
  let built = 0;
  for (const l of r.stdout.split('\n').filter(Boolean)) {
    const e = JSON.parse(l) as { event: string; phase?: string; record?: { ms: number } };
    if (e.event === 'phase:end' && e.phase === 'package') {
      packageMs += e.record!.ms;
      built++;
    }
  }
  return { packageMs, built, wallMs };
}

try {
  const unsigned: number[] = [];
  const signed: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    for (const s of order) {
      const r = await build(`${s ? 'signed' : 'unsigned'}-${i}`, s);
      (s ? signed : unsigned).push(r.packageMs);
      const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
      console.log(
        `round ${i + 1} ${s ? 'signed  ' : 'unsigned'}: package phase ${r.packageMs} ms over ${r.built} subjects (run ${(r.wallMs / 1000).toFixed(1)} s, load ${load})`,
      );
    }
  }
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const ratio = sum(signed) / sum(unsigned);
  console.log(
    `package phase, ${rounds} rounds: unsigned ${sum(unsigned)} ms, signed ${sum(signed)} ms: ×${ratio.toFixed(3)} (target ≤ 1.10) ${ratio <= 1.1 ? 'OK' : 'OVER'}`,
  );
  if (ratio > 1.1) process.exitCode = 1;
} finally {
  const docker = await dockerForTests();
  for (const img of await docker.listImages({ filters: { label: ['binfarm.key'] } })) {
    if ((img.RepoTags ?? []).some((t) => prefixes.some((p) => t.startsWith(`${p}/`))))
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  await ring.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
