/**
 * The comparison of bench/assemble.ts with real Portage (`--portage-image <image>`): the same
 * generated binpkgs, merged by the image's own `emerge --usepkgonly` and written by the direct
 * writer (core/assemble/direct/write-image.ts) on top of the same image, so both sides start from
 * one base that has real Portage. The image must have `emerge`, `portageq`, a profile whose
 * ACCEPT_KEYWORDS takes the binpkgs' KEYWORDS, the binpkgs' category in its repository's
 * profiles/categories, and `sleep` (the containers idle while commands are executed in them).
 *
 * What is timed, per run, alternating, like assemble's steps (core/assemble/merge-step.ts,
 * make-image.ts, direct-step.ts):
 *   emerge  a fresh container with the binpkgs bound read-only as PKGDIR; `emerge --usepkgonly
 *           --with-bdeps=n --jobs=<jobs> --verbose --color=n --nospinner <atoms>` (assemble's argv),
 *           then `docker commit`;
 *   direct  read the image's filesystem (scanBase of an export; one run more than emerge runs: from
 *           the second on, found in the scan cache as by later assemblies from one image, direct/scan-cache.ts), read and check
 *           the binpkgs, write the layers, `docker load`; the direct image removed before each run (cold).
 * Not timed, once: `emerge --pretend --usepkgonly` (the check both paths share; its merge list
 * is what the direct writer writes, as in an assembly) and `portageq envvar CONFIG_PROTECT ...`.
 * Afterwards Portage's own view of the direct image is checked in a container from it:
 * `emerge --pretend --usepkgonly --noreplace <atoms>` must find nothing to merge.
 * It is not a binfarm assembly: no subject is built on the image (the binpkgs come from the
 * fixture's partition), so the check step and the farm's state are left out on both sides.
 */
import { execFile } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parsePackagesIndex, serializePackagesIndex } from '../core/binhost/packages-index.ts';
import { parseProtect } from '../core/assemble/direct/config-protect.ts';
import { scanBase } from '../core/assemble/direct/base-scan.ts';
import { cachedScan } from '../core/assemble/direct/scan-cache.ts';
import { writeDirectImage } from '../core/assemble/direct/write-image.ts';
import { parsePretendOutput } from '../core/assemble/pretend-output.ts';
import { createEngine } from '../core/engine/docker-engine.ts';
import { createLogger } from '../core/log/logger.ts';

const run = promisify(execFile);

export interface RealPortageInput {
  image: string;
  /** The binpkgs (absolute) and the partition whose Packages index lists them. */
  files: string[];
  partitionDir: string;
  atoms: string[];
  runs: number;
  jobs: number;
}

export interface RealPortageTimes {
  emerge: number[];
  commit: number[];
  /** Direct runs that found the image's scan in the cache (every run but the first). */
  direct: number[];
  /** The first direct run: it reads the image's filesystem. */
  directFirst: number[];
  check: number;
  layers: number;
  portageVersion: string;
}

export async function realPortageComparison(input: RealPortageInput): Promise<RealPortageTimes> {
  const docker = async (...argv: string[]) => (await run('docker', argv, { maxBuffer: 1 << 28 })).stdout;
  const tag = `binfarm-bench-real-portage-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'binfarm-bench-rp-'));
  const containers: string[] = [];
  const engine = await createEngine(
    { docker: {} },
    `bench-rp-${process.pid}`,
    createLogger('bench', () => undefined),
  );
  try {
    const pkgdirIn = (await docker('run', '--rm', '--network=none', input.image, 'portageq', 'envvar', 'PKGDIR')).trim() || '/var/cache/binpkgs';
    // the same files (hard links) with an index of just them: the partition's header, their entries
    const pkgdir = join(work, 'pkgdir');
    const index = parsePackagesIndex(readFileSync(join(input.partitionDir, 'Packages'), 'utf8'));
    const rels = new Set(input.files.map((f) => relative(input.partitionDir, f)));
    for (const rel of rels) {
      mkdirSync(dirname(join(pkgdir, rel)), { recursive: true });
      linkSync(join(input.partitionDir, rel), join(pkgdir, rel));
    }
    index.packages = index.packages.filter((p) => rels.has(p.PATH ?? ''));
    writeFileSync(join(pkgdir, 'Packages'), serializePackagesIndex(index, { touch: Date.now() / 1000 }));

    const start = async (name: string) => {
      const id = (
        await docker('run', '-d', '--network=none', '--name', `${tag}-${name}`, '-v', `${pkgdir}:${pkgdirIn}:ro`, input.image, 'sleep', 'infinity')
      ).trim();
      containers.push(id);
      return id;
    };
    const check = await start('check');
    const portageVersion = (await docker('exec', check, 'emerge', '--version')).trim().replace(/ \(.*$/, '');
    let t = performance.now();
    const pretend = await run(
      'docker',
      ['exec', check, 'emerge', '--usepkgonly', '--with-bdeps=n', '--pretend', '--verbose', '--color=n', '--nospinner', ...input.atoms],
      {
        maxBuffer: 1 << 26,
      },
    ).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
    const checkMs = performance.now() - t;
    const merges = parsePretendOutput(`${pretend.stdout}\n${pretend.stderr}`).merges.filter((m) => m.type === 'binary');
    if (merges.length !== input.atoms.length) {
      throw new Error(`real Portage would merge ${merges.length} of ${input.atoms.length} binpkgs:\n${pretend.stdout}\n${pretend.stderr}`);
    }
    const protect = parseProtect(await docker('exec', check, 'portageq', 'envvar', 'CONFIG_PROTECT', 'CONFIG_PROTECT_MASK'));
    const imageId = (await engine.inspectImage(input.image))!.id;
    const packages = merges.map((m) => {
      const entry = index.packages.find((p) => p.CPV === m.cpv && (!m.buildId || p.BUILD_ID === m.buildId))!;
      return { merge: m, file: join(pkgdir, entry.PATH!), entry, ...(entry.MD5 ? { md5: entry.MD5 } : {}) };
    });

    const times: RealPortageTimes = { emerge: [], commit: [], direct: [], directFirst: [], check: checkMs, layers: 0, portageVersion };
    let directId: string | undefined;
    const directRun = async (n: number): Promise<string> => {
      if (directId) await docker('rmi', '-f', directId);
      const t0 = performance.now();
      // as an assembly does (direct-step.ts): the first reads the image, later ones find its scan by image ID
      const { scan, cached } = await cachedScan(join(work, 'scans'), imageId, protect, async () => scanBase(await engine.exportImage(imageId), protect));
      const parts = [`${cached ? 'the scan of the image from the cache' : "read the image's filesystem"} ${((performance.now() - t0) / 1000).toFixed(2)} s`];
      const res = await writeDirectImage({
        engine,
        packages,
        verify: { assembly: 'bench', partitionDir: pkgdir },
        worldAtoms: input.atoms,
        worldSets: [],
        from: { ref: imageId, scan },
        protect,
        repo: tag,
        tag: 'direct',
        labels: { 'binfarm.bench': 'real-portage' },
        workDir: join(work, `direct-${n}`),
        progress: (line) => parts.push(`${line} at ${((performance.now() - t0) / 1000).toFixed(2)} s`),
      });
      const ms = performance.now() - t0;
      (cached ? times.direct : times.directFirst).push(ms);
      if (res.kind !== 'image') throw new Error(`the direct writer fell back: ${JSON.stringify(res.fallbacks)}`);
      directId = res.id;
      times.layers = res.layers;
      return `direct ${cached ? '(scan cached)' : '(reads the image)'} ${(ms / 1000).toFixed(2)} s, ${res.layers} new layers: ${parts.join('; ')}`;
    };
    // one direct run more than emerge runs: the first reads the image, the others find its scan
    console.log(`real Portage run 0: ${await directRun(0)}`);
    for (let r = 0; r < input.runs; r++) {
      const direct = await directRun(r + 1);
      const c = await start(`emerge-${r}`);
      t = performance.now();
      await docker('exec', c, 'emerge', '--usepkgonly', '--with-bdeps=n', `--jobs=${input.jobs}`, '--verbose', '--color=n', '--nospinner', ...input.atoms);
      times.emerge.push(performance.now() - t);
      t = performance.now();
      const committed = (await docker('commit', c, `${tag}:emerge`)).trim();
      times.commit.push(performance.now() - t);
      await docker('rm', '-f', c);
      await docker('rmi', '-f', committed);
      console.log(
        `real Portage run ${r + 1}: ${direct}\n  emerge ${(times.emerge[r]! / 1000).toFixed(2)} s + commit ${(times.commit[r]! / 1000).toFixed(2)} s`,
      );
    }
    // Portage's own view of the direct image: everything requested is installed
    const view = await run('docker', [
      'run',
      '--rm',
      '--network=none',
      '-v',
      `${pkgdir}:${pkgdirIn}:ro`,
      directId!,
      'emerge',
      '--usepkgonly',
      '--pretend',
      '--noreplace',
      '--color=n',
      '--nospinner',
      ...input.atoms,
    ]);
    const toMerge = parsePretendOutput(view.stdout).merges.length;
    console.log(`real Portage in the direct image: emerge --pretend --noreplace of the ${input.atoms.length} atoms would merge ${toMerge} (must be 0)`);
    if (toMerge !== 0) throw new Error(`real Portage does not see the direct image's packages as installed:\n${view.stdout}`);
    const qlist = await docker('run', '--rm', '--network=none', directId!, 'portageq', 'match', '/', input.atoms[0]!);
    console.log(`real Portage in the direct image: portageq match / ${input.atoms[0]} → ${qlist.trim()}`);
    await docker('rmi', '-f', directId!);
    return times;
  } finally {
    for (const c of containers) await docker('rm', '-f', c).catch(() => undefined);
    await docker('rmi', '-f', `${tag}:direct`, `${tag}:emerge`).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
