/**
 * Assembly benchmark (issue #13): the direct path against the emerge path, on one machine in one
 * run. The base subject of test/assemble/_env.ts is built once by the real runner (busybox stage3
 * fixture, fixture emerge); N generated packages (default 80; a handful carry several MB of
 * incompressible data) are written once as GPKG binpkgs into its binhost partition and indexed.
 * Then `assembleImage` of all N runs 3 times each way (`--force`), alternating, the direct image
 * removed before each direct run (cold: else the engine already has every layer), and the medians
 * are reported: the whole assembly, and the step that differs (direct: `direct`; emerge:
 * `emerge` + `image`), next to the time to just read and decompress the same binpkgs' images.
 *   node --import=tsx bench/assemble.ts [--n 80] [--big 5] [--big-mb 4] [--runs 3] [--compress gz]
 *                                       [--portage-image <image> [--only-real-portage]]
 * Members are gzip by default: the fixture emerge (busybox) cannot read zstd, Portage's default.
 * With `--portage-image`, an image with real Portage: the same binpkgs are also merged by its
 * `emerge --usepkgonly` and written by the direct writer on top of it (assemble-real-portage.ts),
 * the figure the ≥ 20× target is about (the fixture emerge is ~4× faster than Portage).
 * `--only-real-portage` skips the fixture runs. The packages are app-misc/pkgNNN (a category every
 * Gentoo tree lists) with the metadata Portage needs of a binpkg (KEYWORDS, LICENSE, EAPI, SLOT,
 * CHOST, environment.bz2).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { extract } from 'tar-stream';
import { assembleImage } from '../core/assemble/assemble.ts';
import { collectingAssembleReporter, type AssembleEvent } from '../core/assemble/progress.ts';
import { decompressor } from '../core/assemble/direct/decompress.ts';
import { readGpkg } from '../core/assemble/direct/gpkg-read.ts';
import { READ_CONCURRENCY, readBinpkgs } from '../core/assemble/direct/read-binpkgs.ts';
import { runFarm } from '../core/run/runner.ts';
import { addBinpkgs } from '../test/assemble/_binpkgs.ts';
import { assembleEnv } from '../test/assemble/_env.ts';
import { dockerForTests } from '../test/helpers/docker.ts';
import { realPortageComparison } from './assemble-real-portage.ts';
import { join } from 'node:path';
import type { GpkgFile, GpkgSpec } from '../test/fixtures/gpkg.ts';

const arg = (name: string, dflt: number | string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : String(dflt);
};
const N = Number(arg('n', 80));
const BIG = Number(arg('big', 5));
const BIG_MB = Number(arg('big-mb', 4));
const RUNS = Number(arg('runs', 3));
const COMPRESS = arg('compress', 'gz') as '' | 'gz' | 'zst' | 'xz';
const PORTAGE_IMAGE = process.argv.includes('--portage-image') ? arg('portage-image', '') : undefined;
const ONLY_REAL = process.argv.includes('--only-real-portage');
if (ONLY_REAL && !PORTAGE_IMAGE) throw new Error('--only-real-portage needs --portage-image <image>');

const cpus = (await import('node:os')).cpus().length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const env = await assembleEnv('bench');
try {
  console.log(
    `load average at the start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  let t0 = performance.now();
  const built = await runFarm(env.farm(), { targets: ['base'] });
  if (built.status !== 'done') throw new Error(`building base failed: ${String((built.error as Error | undefined)?.message)}`);
  console.log(`base subject built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  t0 = performance.now();
  const specs: GpkgSpec[] = [];
  for (let i = 0; i < N; i++) {
    const pn = `pkg${String(i).padStart(3, '0')}`;
    const big = i < BIG;
    const pkgFiles: GpkgFile[] = [
      { path: 'usr', type: 'directory' },
      { path: 'usr/bin', type: 'directory' },
      { path: `usr/bin/${pn}`, type: 'file', data: `#!/bin/sh\necho ${pn}\n`, mode: 0o755 },
      { path: 'usr/share', type: 'directory' },
      { path: `usr/share/${pn}`, type: 'directory' },
      ...Array.from({ length: 8 }, (_, k): GpkgFile => ({ path: `usr/share/${pn}/data-${k}.txt`, type: 'file', data: `${pn} ${k}\n`.repeat(200) })),
      { path: `usr/bin/${pn}-alias`, type: 'symlink', target: pn },
      ...(big ? [{ path: `usr/share/${pn}/blob.bin`, type: 'file', data: randomBytes(BIG_MB * 1048576) } as GpkgFile] : []),
    ];
    specs.push({
      cat: 'app-misc',
      pf: `${pn}-1.0`,
      buildId: 1,
      metadata: {
        SLOT: '0',
        EAPI: '8',
        BUILD_TIME: '1760000000',
        DEFINED_PHASES: 'compile install',
        repository: 'gentoo',
        KEYWORDS: 'amd64',
        LICENSE: 'MIT',
        USE: '',
        IUSE: '',
        DESCRIPTION: `bench package ${pn}`,
        CHOST: 'x86_64-pc-linux-gnu',
        // Portage extracts it for every binary merge (Binpkg.py: BinpkgEnvExtractor) and sources it in the phases
        'environment.bz2': execFileSync('bzip2', ['-c'], { input: `declare -x EAPI="8"\ndeclare -x SLOT="0"\ndeclare -x PN="${pn}"\ndeclare -x PV="1.0"\n` }),
      },
      files: pkgFiles,
      compress: COMPRESS,
      mtime: 1760000000,
    });
  }
  const { files, atoms } = await addBinpkgs(env, specs);
  const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
  console.log(
    `${N} binpkgs (${BIG} of ${BIG_MB} MiB, members ${COMPRESS || 'plain'}), ${(bytes / 1048576).toFixed(1)} MiB, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // the physical floor: stream each binpkg and decompress its image member to nowhere
  const floor: number[] = [];
  const reads: number[] = [];
  const parallel: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    for (const f of files) await decompressImage(f);
    floor.push(performance.now() - t0);
    t0 = performance.now();
    for (const f of files) await readGpkg(f);
    reads.push(performance.now() - t0);
    t0 = performance.now();
    await readBinpkgs(
      files.map((file) => ({ file })),
      '',
    );
    parallel.push(performance.now() - t0);
  }
  console.log(
    `floor: decompress the images ${(median(floor) / 1000).toFixed(2)} s, read+parse ${(median(reads) / 1000).toFixed(2)} s (median of ${RUNS}); ${READ_CONCURRENCY} at a time (readBinpkgs, as the direct step) ${(median(parallel) / 1000).toFixed(2)} s`,
  );

  const m = (xs: number[]) => median(xs) / 1000;
  const perPkg = (xs: number[]) => `${((m(xs) * 1000) / N).toFixed(1)} ms/package`;
  const target = 20;
  if (!ONLY_REAL) await fixtureRuns();
  async function fixtureRuns(): Promise<void> {
    const flags = { from: 'base', with: atoms };
    const times: Record<'direct' | 'emerge', { total: number[]; step: number[]; check: number[] }> = {
      direct: { total: [], step: [], check: [] },
      emerge: { total: [], step: [], check: [] },
    };
    let lastDirect: string | undefined;
    let warm: number | undefined;
    for (let r = 0; r < RUNS; r++) {
      for (const via of ['direct', 'emerge'] as const) {
        // cold: the same inputs give the same image, whose layers the engine would not load again
        if (via === 'direct' && lastDirect) await (await dockerForTests()).getImage(lastDirect).remove({ force: true });
        const { reporter, events } = collectingAssembleReporter();
        const stamps: number[] = []; // when each event came, for the parts of the direct step
        const emit = reporter.emit.bind(reporter);
        reporter.emit = (e) => {
          stamps.push(performance.now());
          emit(e);
        };
        const t = performance.now();
        const res = await assembleImage(env.farm(), `bench-${via}`, { flags: { ...flags, via }, reporter, force: true });
        const total = performance.now() - t;
        const ms = (step: string) => events.reduce((s, e) => s + (e.event === 'step:end' && e.step === step && !e.skipped ? e.ms : 0), 0);
        if (via === 'direct' && ms('emerge') > 0) throw new Error(`the direct assembly fell back to emerge: ${res.warnings.join('; ')}`);
        times[via].total.push(total);
        times[via].step.push(via === 'direct' ? ms('direct') : ms('emerge') + ms('image'));
        times[via].check.push(ms('check'));
        console.log(
          `run ${r + 1} ${via}: ${(total / 1000).toFixed(2)} s (its step ${(times[via].step.at(-1)! / 1000).toFixed(2)} s, check ${(ms('check') / 1000).toFixed(2)} s) → ${res.image.id.slice(7, 19)}`,
        );
        if (via === 'direct') console.log(directParts(events, stamps));
        if (via === 'direct') lastDirect = res.image.id;
      }
    }
    // warm, for comparison: the image's layers already in the engine (a farm re-assembling from one binhost)
    {
      const t = performance.now();
      await assembleImage(env.farm(), 'bench-direct', { flags: { ...flags, via: 'direct' }, force: true });
      warm = performance.now() - t;
    }
    console.log('\nmedian of', RUNS, `(N = ${N}), the fixture emerge:`);
    console.log(
      `  emerge path: ${m(times.emerge.total).toFixed(2)} s whole, ${m(times.emerge.step).toFixed(2)} s emerge+commit (${((m(times.emerge.step) * 1000) / N).toFixed(1)} ms/package)`,
    );
    console.log(
      `  direct path: ${m(times.direct.total).toFixed(2)} s whole, ${m(times.direct.step).toFixed(2)} s direct step (${((m(times.direct.step) * 1000) / N).toFixed(1)} ms/package)`,
    );
    console.log(`  check (emerge --pretend, both): ${m(times.direct.check).toFixed(2)} s / ${m(times.emerge.check).toFixed(2)} s`);
    console.log(
      `  speed-up: ${(m(times.emerge.total) / m(times.direct.total)).toFixed(1)}× whole, ${(m(times.emerge.step) / m(times.direct.step)).toFixed(1)}× step vs step`,
    );
    console.log(`  direct path with its layers already in the engine (warm, one run): ${((warm ?? 0) / 1000).toFixed(2)} s whole`);
    console.log(`  per package: emerge path ${perPkg(times.emerge.total)} whole, ${perPkg(times.emerge.step)} merge+commit;`);
    console.log(`               direct path ${perPkg(times.direct.total)} whole, ${perPkg(times.direct.step)} writing; floor ${perPkg(floor)} decompressing`);
    for (const [what, x] of [
      ['step vs step (what the issue measured: merge+commit against writing the image)', m(times.emerge.step) / m(times.direct.step)],
      ['whole assembly (both include the same emerge --pretend check and digest check)', m(times.emerge.total) / m(times.direct.total)],
    ] as const) {
      console.log(`  target ≥ ${target}× at N = 80, ${what}: ${x.toFixed(1)}× — ${x >= target ? 'met' : 'NOT met'}${N === 80 ? '' : ` (N = ${N}, not 80)`}`);
    }
  }

  if (PORTAGE_IMAGE) {
    const partitionDir = join(files[0]!, '..', '..', '..');
    const rp = await realPortageComparison({ image: PORTAGE_IMAGE, files, partitionDir, atoms, runs: RUNS, jobs: 2 });
    console.log(`\nmedian of ${RUNS} (N = ${N}), ${rp.portageVersion} in ${PORTAGE_IMAGE}, the same binpkgs:`);
    console.log(`  emerge --usepkgonly ${m(rp.emerge).toFixed(2)} s + docker commit ${m(rp.commit).toFixed(2)} s (${perPkg(rp.emerge)} merging)`);
    const emergeCommit = rp.emerge.map((e, i) => e + rp.commit[i]!);
    const direct = rp.direct.length ? rp.direct : rp.directFirst;
    console.log(
      `  direct writer on the same image, cold layers: first run (reads the image) ${m(rp.directFirst).toFixed(2)} s; ` +
        `${rp.direct.length ? `later runs (its scan cached) ${m(rp.direct).toFixed(2)} s` : 'no later runs'} ` +
        `(${rp.layers} new layers; ${perPkg(direct)}; floor ${perPkg(floor)} decompressing)`,
    );
    console.log(`  emerge --pretend --usepkgonly of the ${N} atoms (the check both paths share, once): ${(rp.check / 1000).toFixed(2)} s`);
    for (const [what, d] of [
      ['scan cached', direct],
      ['first from the image', rp.directFirst],
    ] as const) {
      const x = m(emergeCommit) / m(d);
      const withCheck = (m(emergeCommit) + rp.check / 1000) / (m(d) + rp.check / 1000);
      console.log(
        `  target ≥ ${target}× at N = 80, real Portage's emerge+commit against the direct writer (${what}), step vs step: ${x.toFixed(1)}× — ` +
          `${x >= target ? 'met' : 'NOT met'}${N === 80 ? '' : ` (N = ${N}, not 80)`}; with the shared check on both sides ${withCheck.toFixed(1)}×`,
      );
    }
  }
  console.log(
    `  load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${cpus} CPUs)`,
  );
  console.log(
    `  floor: decompress the images ${m(floor).toFixed(2)} s (${((m(floor) * 1000) / N).toFixed(1)} ms/package); read+parse (readGpkg) ${m(reads).toFixed(2)} s`,
  );
} finally {
  await env.cleanup();
}

/** The direct step's parts: seconds from its start to each title and output line (the last part ends with the load). */
function directParts(events: AssembleEvent[], stamps: number[]): string {
  const start = events.findIndex((e) => e.event === 'step:start' && e.step === 'direct');
  if (start < 0) return '  (no direct step)';
  const lines: string[] = [];
  for (let i = start + 1; i < events.length; i++) {
    const e = events[i]!;
    if (!('step' in e) || e.step !== 'direct') continue;
    const at = `${((stamps[i]! - stamps[start]!) / 1000).toFixed(2)} s`.padStart(9);
    if (e.event === 'step:title') lines.push(`  ${at}  ${e.title}`);
    else if (e.event === 'step:output') lines.push(`  ${at}  ${e.line}`);
    else if (e.event === 'step:end') lines.push(`  ${at}  end of the direct step`);
  }
  return lines.join('\n');
}

async function decompressImage(file: string): Promise<void> {
  const outer = extract();
  const done = pipeline(createReadStream(file), outer);
  for await (const member of outer) {
    const name = member.header.name;
    const ext = /image\.tar(?:\.([a-z0-9]+))?$/.exec(name);
    if (!ext) {
      member.resume();
      continue;
    }
    await pipeline(member, decompressor(ext[1] ?? '', file), new Writable({ write: (_c, _e, cb) => cb() }));
  }
  await done;
}
