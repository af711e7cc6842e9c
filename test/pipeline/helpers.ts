/**
 * An end-to-end farm for pipeline tests: the busybox stage3 fixture with the fixture emerge, a
 * small ebuild tree of Gentoo's shape bound read-only, a state dir, a local binhost and a dir
 * publish target, all under one temp dir. Runs go through the real runner (runFarm) and the
 * real Docker engine; everything created is labelled and removed in teardown.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';
import { runFarm, type RunFarmOptions, type RunResult } from '../../core/run/runner.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';

export interface PipelineEnv {
  dir: string;
  treeDir: string;
  prefix: string;
  stage3: string;
  config(over?: (c: BinfarmConfigInput) => void): BinfarmConfigInput;
  farm(over?: (c: BinfarmConfigInput) => void): Farm;
  run(farm: Farm, opts?: RunFarmOptions): Promise<RunResult>;
}

/** A tree with profiles/repo_name and a few ebuilds, so versions look like Gentoo's. */
function writeTree(dir: string): void {
  const files: Record<string, string> = {
    'profiles/repo_name': 'gentoo\n',
    'profiles/default/linux/amd64/23.0/eapi': '8\n',
    'metadata/layout.conf': 'masters =\nthin-manifests = true\n',
    'app-misc/hello/hello-2.12.2.ebuild': 'EAPI=8\n',
    'sci-libs/gsl/gsl-2.8.ebuild': 'EAPI=8\n',
    'dev-libs/boost/boost-1.88.0.ebuild': 'EAPI=8\n',
    'sci-physics/root/root-6.36.0.ebuild': 'EAPI=8\n',
    'sci-physics/geant4/geant4-11.3.2.ebuild': 'EAPI=8\n',
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
}

export async function pipelineEnv(t: ExecutionContext, name: string): Promise<PipelineEnv> {
  const dir = mkdtempSync(join(tmpdir(), `binfarm-pipe-${name}-`));
  const treeDir = join(dir, 'tree');
  writeTree(treeDir);
  const prefix = `binfarm-test-${name}-${process.pid}`;
  const stage3 = await emergeFixtureImage();
  t.teardown(() => removeImages(prefix));
  const config = (over?: (c: BinfarmConfigInput) => void): BinfarmConfigInput => {
    const c: BinfarmConfigInput = {
      name: 'pipeline-test',
      imagePrefix: prefix,
      stateDir: join(dir, 'state'),
      cacheDir: join(dir, 'cache'),
      stage3: { type: 'local', image: stage3 },
      tree: { type: 'dir', path: treeDir },
      mount: { strategy: 'bind' },
      portage: { makeopts: '-j3' },
      run: { jobs: 2 },
      base: {
        sets: { 'hf-base': { 'app-misc/hello': { use: ['nls'] } } },
        smoke: [{ name: 'hello installed', cmd: ['cat', '/usr/share/binfarm-fixture/app-misc/hello'], expect: 'app-misc/hello-2.12.2' }],
      },
      subjects: {
        'hep-core': {
          sets: { 'hep-core': { 'sci-libs/gsl': {}, 'dev-libs/boost': { use: ['python'] } } },
          smoke: [{ name: 'gsl', cmd: ['cat', '/usr/share/binfarm-fixture/sci-libs/gsl'], expect: /sci-libs\/gsl-2\.8/ }],
        },
        analysis: { parent: 'hep-core', sets: { analysis: { 'sci-physics/root': { use: ['python'] } } } },
        // mc-sim stands on the base and shares sci-libs/gsl with hep-core: reused as a binpkg
        'mc-sim': { sets: { mc: { 'sci-physics/geant4': {}, 'sci-libs/gsl': {} } } },
      },
      binhost: { dir: join(dir, 'binhost'), publish: [{ type: 'dir', path: join(dir, 'published') }], keep: 3 },
    };
    over?.(c);
    return c;
  };
  const farm = (over?: (c: BinfarmConfigInput) => void) => createFarm({ options: ConfigSchema.parse(config(over)), rootDir: dir, command: 'run' });
  const run = (f: Farm, opts: RunFarmOptions = {}) => runFarm(f, opts);
  return { dir, treeDir, prefix, stage3, config, farm, run };
}

async function removeImages(prefix: string): Promise<void> {
  const docker = await dockerForTests();
  const images = await docker.listImages({ filters: { label: ['binfarm.owned=1'] } });
  for (const img of images) {
    const tags = img.RepoTags ?? [];
    if (!tags.some((t) => t.includes(`${prefix}/`) || t.startsWith(`${prefix}`))) continue;
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  }
}

/** One recorded fixture emerge call: argv, environment and mounts seen inside the container. */
export interface EmergeCall {
  argv: string[];
  env: Record<string, string>;
  mounts: Array<{ source: string; target: string; type: string; options: string }>;
}

export function readCalls(runDir: string, subject: string): EmergeCall[] {
  const text = readFileSync(join(runDir, 'portage-logs', subject, 'binfarm-fixture', 'calls.log'), 'utf8');
  const calls: EmergeCall[] = [];
  let cur: EmergeCall | undefined;
  for (const line of text.split('\n')) {
    if (line === 'call emerge') cur = { argv: ['emerge'], env: {}, mounts: [] };
    else if (line === 'end' && cur) calls.push(cur);
    else if (cur && line.startsWith('arg ')) cur.argv.push(line.slice(4));
    else if (cur && line.startsWith('env ')) {
      const kv = line.slice(4);
      cur.env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    } else if (cur && line.startsWith('mount ')) {
      const [source, target, type, options] = line.slice(6).split(' ');
      cur.mounts.push({ source: source!, target: target!, type: type!, options: options! });
    }
  }
  return calls;
}
