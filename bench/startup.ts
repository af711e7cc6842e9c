/**
 * Start-up benchmark (issue #10): a no-op `binfarm run` of an up-to-date 2-subject farm (base →
 * app) against a cached `docker build` of two images, measured side by side in the same run.
 * Both are spawned the way a user types them, in turn (binfarm, docker, binfarm, docker, ...), so
 * a drift in the machine's load hits both alike; the median of each and of the pairwise ratio are
 * printed. Target: the no-op run ≤ 300 ms median.
 *
 * The farm runs on the busybox stage3 fixture with the fixture emerge (test/fixtures/emerge) and
 * a `dir` tree; the two Dockerfiles build FROM the same fixture image (never pulled). The docker
 * CLI uses its classic builder here (DOCKER_BUILDKIT=0: this machine has no buildx).
 * binfarm runs its compiled copy (dist/, rebuilt first; bench/_compiled.ts), or its sources
 * through jiti with --source.
 *   node --import=tsx bench/startup.ts [--runs N] [--keep] [--source]
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emergeFixtureImage } from '../test/fixtures/emerge/image.ts';
import { dockerForTests } from '../test/helpers/docker.ts';
import { loadAverage, median } from './_measure.ts';
import { binfarmCode } from './_compiled.ts';
import { loadedFiles } from './_loaded-files.ts';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Number(arg('--runs')) || 9;
const TARGET_MS = 300;
const BIN = new URL('../bin/binfarm.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'binfarm-bench-startup-'));
const prefix = `binfarm-bench-startup-${process.pid}`;
const stage3 = await emergeFixtureImage();
const code = await binfarmCode();

const tree = join(dir, 'tree');
for (const p of ['profiles', 'app-misc/hello', 'app-misc/jq']) mkdirSync(join(tree, p), { recursive: true });
writeFileSync(join(tree, 'profiles/repo_name'), 'gentoo\n');
writeFileSync(
  join(dir, '.binfarmrc.json'),
  JSON.stringify({
    imagePrefix: prefix,
    stateDir: join(dir, 'state'),
    cacheDir: join(dir, 'cache'),
    stage3: { type: 'local', image: stage3 },
    tree: { type: 'dir', path: tree },
    mount: { strategy: 'bind' },
    base: { sets: { base: { 'app-misc/hello': { use: ['nls'] } } } },
    subjects: { app: { sets: { app: { 'app-misc/jq': {} } } } },
    binhost: { dir: join(dir, 'binhost') },
  }),
);

// Two images of the same size class: FROM the fixture stage3, one RUN and one LABEL each.
const contexts = ['one', 'two'].map((name) => {
  const ctx = join(dir, `docker-${name}`);
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${stage3}\nRUN echo ${name} > /image-name\nLABEL bench.image=${name}\n`);
  return { ctx, tag: `${prefix}/docker-${name}:bench` };
});
const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };
const buildBoth = async () => {
  for (const c of contexts) await execa('docker', ['build', '-q', '-t', c.tag, c.ctx], { env: dockerEnv });
};

async function binfarmRun(): Promise<{ built: string[]; skipped: string[] }> {
  const r = await execa('node', [BIN, '--cwd', dir, '--json', 'run'], { reject: false, env: code.env });
  const end = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; summary?: { built: string[]; skipped: string[] } })
    .find((e) => e.event === 'run:end');
  if (!end?.summary || r.exitCode !== 0) throw new Error(`binfarm run failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  return end.summary;
}

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
};

try {
  const [first, firstMs] = await timed(binfarmRun);
  await buildBoth(); // fills the build cache
  console.log(`binfarm runs ${code.label}`);
  console.log(`first run: built ${first.built.join(', ')} in ${(firstMs / 1000).toFixed(1)} s; load average ${loadAverage()}`);
  await binfarmRun(); // warms jiti's transform cache and the OS caches, like the docker build above
  // The warm-up validated the config and kept its options (core/config/options-cache.ts): the runs below are hits.
  console.log(`validated-options cache: ${existsSync(join(dir, 'state', 'config-cache.json')) ? 'in place' : 'MISSING (every run validates)'}`);
  const loaded = await loadedFiles(BIN, ['--cwd', dir, '--json', 'run'], code.env);
  console.log(`a no-op run loads ${loaded.all.length} modules, ${loaded.dist.length} of them binfarm's files in dist/ (a module load hook)`);
  if (!process.argv.includes('--source')) {
    // The first runs wrote V8's code cache of the scripts a no-op run loads (scripts/script-chunk.js): the runs below compile from it.
    const chunks = fileURLToPath(new URL('../dist/chunks/', import.meta.url));
    const stems = loaded.dist.map((u) => u.slice(u.lastIndexOf('/') + 1).replace(/\.js$/, ''));
    const scripts = readdirSync(chunks).filter((f) => f.endsWith('.script.js') && stems.some((s) => f.startsWith(`${s}.`)));
    const cached = scripts.filter((f) => existsSync(join(chunks, `${f}.v8-cache`)));
    console.log(
      `V8 code cache: ${cached.length} of the ${scripts.length} scripts it loads${cached.length === scripts.length ? '' : ' (MISSING: those compile every run)'}`,
    );
  }
  const noop: number[] = [];
  const docker: number[] = [];
  const ratios: number[] = [];
  const nodeStart: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [summary, ms] = await timed(binfarmRun);
    if (summary.built.length || summary.skipped.length !== 2) throw new Error(`not a no-op run of 2 subjects: ${JSON.stringify(summary)}`);
    const [, dockerMs] = await timed(buildBoth);
    // Node's own start in the same round, for scale: what no binfarm change can take away.
    const [, nodeMs] = await timed(() => execa('node', ['-e', '']));
    noop.push(ms);
    docker.push(dockerMs);
    nodeStart.push(nodeMs);
    ratios.push(ms / dockerMs);
  }
  const range = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  console.log(`no-op binfarm run, 2 subjects, ${runs} runs: ${range(noop)} (target ≤ ${TARGET_MS} ms) ${median(noop) <= TARGET_MS ? 'OK' : 'OVER'}`);
  console.log(`cached docker build of two images, same rounds: ${range(docker)}`);
  console.log(`node -e '' (Node's own start), same rounds: ${range(nodeStart)}`);
  console.log(`ratio binfarm / docker build, median of pairs: ${median(ratios).toFixed(2)}; load average now ${loadAverage()}`);
  if (median(noop) > TARGET_MS) process.exitCode = 1;
} finally {
  if (process.argv.includes('--keep')) {
    console.log(`kept ${dir} (images ${prefix}/*): node bin/binfarm.js --cwd ${dir} run`);
  } else {
    const d = await dockerForTests();
    for (const img of await d.listImages()) {
      if ((img.RepoTags ?? []).some((t) => t.startsWith(`${prefix}/`)))
        await d
          .getImage(img.Id)
          .remove({ force: true })
          .catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
