/**
 * Benchmark: the Portage tree in build containers, per mount strategy.
 *
 *   node --import=tsx bench/tree.ts [--packages 30000] [--strategies squashfs,volume,bind,copy] [--seed 7]
 *
 * On a generated tree of Gentoo's shape (test/fixtures/tree-gen.ts; 30k packages ≈ 155k files),
 * for each strategy, with its own empty cache:
 *   first   provisioning of a run with a cold cache (sqfs build / volume fill / image copy ...);
 *   repeat  provisioning of the next run, same snapshot;
 *   synced  provisioning after a tree sync (one ebuild changed: a new snapshot, the daily case);
 *   read    a fresh container reading the whole tree (`find` of every file + `cat` of md5-cache);
 *   bytes   added to images.
 * Then the squashfs build from a tar stream (binfarm's pipeline: stream → meter/hash → tar2sqfs)
 * against plain `tar2sqfs < tree.tar` on the same tar file.
 * With --original, also the original project's approach: `docker build` of a Dockerfile that COPYs
 * the tree (the build context is uploaded on every build, cache hit or not).
 * Needs root (squashfs) and Docker. Not run by CI.
 */
import { execa } from 'execa';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigSchema } from '../core/config/schema/index.ts';
import { createEngine, type DockerEngine } from '../core/engine/docker-engine.ts';
import { createLogger } from '../core/log/logger.ts';
import type { RunContext, SubjectBuild } from '../core/run/context.ts';
import { MountStrategyRegistry } from '../core/tree/mount/registry.ts';
import { mountTrees } from '../core/tree/provide.ts';
import { tarToSquashfs } from '../core/tree/squashfs-build.ts';
import { treeVolumeName } from '../core/tree/mount/volume.ts';
import { stage3FixtureImage } from '../test/fixtures/images.ts';
import { generateTree } from '../test/fixtures/tree-gen.ts';

const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '30000' },
    strategies: { type: 'string', default: 'squashfs,volume,bind,copy' },
    seed: { type: 'string', default: '7' },
    /** Also time the original approach: `docker build` with `COPY gentoo /var/db/repos/gentoo`. */
    original: { type: 'boolean', default: false },
  },
});
const packages = Number(values.packages);
const strategies = values.strategies!.split(',');
const work = await mkdtemp(join(tmpdir(), 'binfarm-bench-tree-'));
const treeDir = join(work, 'gentoo');
const logger = createLogger('bench', (_o, type, args) => {
  if (type === 'warn' || type === 'error') process.stderr.write(`${type}: ${args.join(' ')}\n`);
});
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

let runs = 0;
const engines: DockerEngine[] = [];
async function oneRun(strategy: string, cacheDir: string, image: string): Promise<{ ms: number; build: SubjectBuild; engine: DockerEngine }> {
  const options = ConfigSchema.parse({ imagePrefix: 'binfarm-bench', tree: { type: 'dir', path: treeDir }, mount: { strategy } });
  const runId = `bench-tree-${process.pid}-${++runs}`;
  const engine = await createEngine(options, runId, logger);
  engines.push(engine);
  const run: RunContext = {
    runId,
    runDir: join(work, 'runs', runId),
    stateDir: join(work, 'state'),
    cacheDir,
    rootDir: work,
    options,
    command: 'run',
    signal: new AbortController().signal,
    logger,
    engine: async () => engine,
    data: new Map(),
  };
  const build: SubjectBuild = {
    run,
    subject: { name: 'base', parent: null, sets: {}, overlays: [], smoke: [] },
    parent: undefined,
    logger,
    progress: { output: () => undefined, title: () => undefined },
    logFile: '/dev/null',
    baseImage: { ref: image, digest: 'fixture' },
    phases: [],
    data: new Map(),
  };
  const [, ms] = await timed(() => mountTrees(build, new MountStrategyRegistry()));
  return { ms, build, engine };
}

async function readWholeTree(engine: DockerEngine, build: SubjectBuild): Promise<number> {
  const [r, ms] = await timed(() =>
    engine.run({
      image: build.baseImage!.ref,
      mounts: build.tree!.mounts,
      network: 'none',
      cmd: ['sh', '-c', 'find /var/db/repos/gentoo -type f | wc -l; find /var/db/repos/gentoo/metadata/md5-cache -type f -exec cat {} + | wc -c'],
    }),
  );
  if (r.exitCode !== 0) throw new Error(`reading the tree failed: ${r.stderr}`);
  return ms;
}

const results: Array<Record<string, string>> = [];
// Ctrl-C: release mounts, loop devices, containers and volumes before exiting.
const { installSignalHandlers } = await import('../core/engine/signals.ts');
installSignalHandlers({
  controller: new AbortController(),
  cleanup: async () => {
    for (const e of engines) await e.cleanup();
    await rm(work, { recursive: true, force: true });
  },
});
try {
  process.stdout.write(`generating a tree of ${packages} packages ... `);
  const [gen, genMs] = await timed(async () => generateTree(treeDir, { packages, seed: Number(values.seed) }));
  console.log(`${gen.files} files, ${gen.ebuilds} ebuilds, ${mb(gen.bytes)} of content in ${s(genMs)}`);
  const image = await stage3FixtureImage();
  const engineForSizes = await createEngine({ docker: {} }, `bench-tree-${process.pid}-sizes`, logger);
  const baseSize = (await engineForSizes.inspectImage(image))!.size;
  const ebuild = join(treeDir, gen.atoms[0]!, (await import('node:fs')).readdirSync(join(treeDir, gen.atoms[0]!)).find((f) => f.endsWith('.ebuild'))!);

  for (const strategy of strategies) {
    const cacheDir = join(work, `cache-${strategy}`);
    const first = await oneRun(strategy, cacheDir, image);
    const read = await readWholeTree(first.engine, first.build);
    const imageSize = (await first.engine.inspectImage(first.build.baseImage!.ref))!.size;
    const bytes = imageSize - baseSize;
    await first.engine.cleanup();
    const repeat = await oneRun(strategy, cacheDir, image);
    const readAgain = await readWholeTree(repeat.engine, repeat.build);
    await repeat.engine.cleanup();
    // A tree sync: one ebuild changes, i.e. a new snapshot.
    await writeFile(ebuild, `${(await (await import('node:fs/promises')).readFile(ebuild, 'utf8'))}# synced ${strategy}\n`);
    const synced = await oneRun(strategy, cacheDir, image);
    await synced.engine.cleanup();
    results.push({
      strategy,
      first: s(first.ms),
      repeat: s(repeat.ms),
      synced: s(synced.ms),
      'read (1st run)': s(read),
      'read (repeat)': s(readAgain),
      'bytes added to images': bytes > 0 ? mb(bytes) : '0',
    });
    console.log(JSON.stringify(results.at(-1)));
    if (strategy === 'volume') {
      for (const b of [first.build, synced.build]) await first.engine.removeVolume(treeVolumeName(b.tree!.digest)).catch(() => undefined);
    }
    if (strategy === 'copy') {
      for (const b of [first.build, synced.build]) await first.engine.removeImage(b.baseImage!.ref, { force: true }).catch(() => undefined);
    }
  }
  console.table(results);
  const sq = results.find((r) => r.strategy === 'squashfs');
  const cp = results.find((r) => r.strategy === 'copy');
  if (sq && cp) {
    const ratio = (k: string) => (parseFloat(cp[k]!) / parseFloat(sq[k]!)).toFixed(1);
    console.log(`copy / squashfs: first ${ratio('first')}x, repeat ${ratio('repeat')}x, synced ${ratio('synced')}x`);
  }

  if (values.original) {
    await writeFile(join(work, 'Dockerfile'), `FROM ${image}\nCOPY gentoo /var/db/repos/gentoo\n`);
    await writeFile(join(work, '.dockerignore'), '*\n!gentoo\n!Dockerfile\n');
    const docker = await engineForSizes.dockerode();
    const build = async (tag: string) => {
      const ctx = execa('tar', ['-C', work, '-cf', '-', 'Dockerfile', '.dockerignore', 'gentoo'], { buffer: { stdout: false } });
      const stream = await docker.buildImage(ctx.stdout as unknown as NodeJS.ReadableStream, { t: `binfarm-bench/original:${tag}`, rm: true, forcerm: true });
      await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))));
      await ctx;
    };
    const [, firstMs] = await timed(() => build('1'));
    const [, againMs] = await timed(() => build('2'));
    await writeFile(ebuild, `${(await (await import('node:fs/promises')).readFile(ebuild, 'utf8'))}# synced original\n`);
    const [, syncedMs] = await timed(() => build('3'));
    const size = (await engineForSizes.inspectImage('binfarm-bench/original:1'))!.size - baseSize;
    console.log(
      `original (docker build + COPY): first ${s(firstMs)}, repeat ${s(againMs)} (build cache hit, context uploaded), synced ${s(syncedMs)}, bytes added ${mb(size)}`,
    );
    for (const tag of ['1', '2', '3']) await engineForSizes.removeImage(`binfarm-bench/original:${tag}`, { force: true });
  }

  // Stream pipeline vs plain tar2sqfs on the same tar.
  const tarFile = join(work, 'tree.tar');
  await execa('tar', ['-C', treeDir, '--sort=name', '-cf', tarFile, '.']);
  const jobs = String(availableParallelism());
  const [, plainMs] = await timed(() =>
    execa('tar2sqfs', ['--quiet', '--force', '--compressor', 'zstd', '--comp-extra', 'level=3', '--num-jobs', jobs, join(work, 'plain.sqfs')], {
      inputFile: tarFile,
    }),
  );
  const [built, streamMs] = await timed(() =>
    tarToSquashfs({ stream: createReadStream(tarFile) }, join(work, 'stream.sqfs'), { hash: 'sha256', what: 'bench tree' }),
  );
  const plainSize = (await stat(join(work, 'plain.sqfs'))).size;
  const streamSize = (await stat(built.tmp)).size;
  console.log(
    `tar ${mb((await stat(tarFile)).size)}: plain tar2sqfs ${s(plainMs)} (${mb(plainSize)}), binfarm stream ${s(streamMs)} (${mb(streamSize)}), ratio ${(streamMs / plainMs).toFixed(2)}`,
  );
  await engineForSizes.cleanup();
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  for (const e of engines) await e.cleanup();
  await rm(work, { recursive: true, force: true });
}
