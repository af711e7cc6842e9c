/**
 * A small farm whose engine is the remote one of test/helpers/remote-engine.ts, and the real
 * `binfarm run` of it inside the client namespace (test/remote/build.test.ts over tcp+TLS,
 * test/remote/build-ssh.test.ts over ssh://). The config names the engine only through its
 * `docker` section; the ebuild tree is the fixture emerge's (test/fixtures/emerge/).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonEvent } from '../swarm/swarm-farm.ts';
import type { RemoteEngine } from './remote-engine.ts';
import { readJsonRun } from './json-run.ts';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

export interface Farm {
  dir: string;
  binhost: string;
  /** Rewrites the config with other subjects. */
  write(subjects: Record<string, unknown>): void;
  run(onEvent?: (e: JsonEvent) => void): Promise<{ exitCode: number; events: JsonEvent[]; stderr: string; stdout: string }>;
  /** Any other binfarm command in the client namespace, e.g. `['--json', 'doctor']`. */
  cli(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** The binfarm process of the last run() (nsenter execs it), e.g. to send it SIGINT. */
  lastPid(): number | undefined;
}

/** `docker`: the config's docker section (host and how to reach it); `stage3`: an image already on the remote engine. */
export function remoteFarm(remote: RemoteEngine, docker: Record<string, unknown>, stage3: string, name: string, subjects: Record<string, unknown>): Farm {
  const dir = mkdtempSync(join(tmpdir(), `binfarm-remote-${name}-`));
  const tree = join(dir, 'tree');
  const files: Record<string, string> = {
    'profiles/repo_name': 'gentoo\n',
    'profiles/default/linux/amd64/23.0/eapi': '8\n',
    'metadata/layout.conf': 'masters =\nthin-manifests = true\n',
  };
  for (const p of ['app-misc/hello-2.12.2', 'app-misc/alpha-wait6-1.0', 'app-misc/gamma-1.0', 'app-misc/broken-1.0', 'app-misc/slowpoke-1.0']) {
    files[`${p.replace(/-[0-9][^/]*$/, '')}/${p.split('/')[1]}.ebuild`] = 'EAPI=8\n';
  }
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(tree, p, '..'), { recursive: true });
    writeFileSync(join(tree, p), c);
  }
  const binhost = join(dir, 'binhost');
  const config = {
    name: `remote-${name}`,
    imagePrefix: `bf-${name}`,
    stateDir: join(dir, 'state'),
    cacheDir: join(dir, 'cache'),
    stage3: { type: 'local', image: stage3 },
    tree: { type: 'dir', path: tree },
    binhost: { dir: binhost },
    // Only the docker section: the engine is elsewhere, and binfarm is told nothing else about it.
    docker,
    swarm: { listen: '10.213.0.1:0' },
    subjects,
  };
  const write = (s: Record<string, unknown>) => writeFileSync(join(dir, '.binfarmrc.json'), JSON.stringify({ ...config, subjects: s }, null, 2));
  write(subjects);
  let pid: number | undefined;
  return {
    lastPid: () => pid,
    dir,
    binhost,
    write,
    async cli(args) {
      const r = await remote.runInA(['node', BIN, '--cwd', dir, ...args], { reject: false, env: { BINFARM_LOADER: 'tsx' }, timeout: 120_000 });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
    },
    async run(onEvent) {
      const child = remote.runInA(['node', BIN, '--cwd', dir, '--json', 'run'], { reject: false, env: { BINFARM_LOADER: 'tsx' }, buffer: true });
      pid = child.pid;
      return readJsonRun<JsonEvent>(child, onEvent);
    },
  };
}

export function streamText(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

export function binpkgs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((p) => p.endsWith('.gpkg.tar'))
    : [];
}

/** The mounts of the subject's build container on the remote engine, while it runs. */
export async function buildMounts(remote: RemoteEngine, subject: string): Promise<Array<{ Type: string; Name?: string; Destination: string }>> {
  const cs = await remote.docker.listContainers({ filters: { label: [`binfarm.subject=${subject}`, 'binfarm.role=build'] } });
  if (!cs.length) return [];
  return ((await remote.docker.getContainer(cs[0]!.Id).inspect()) as unknown as { Mounts: Array<{ Type: string; Name?: string; Destination: string }> }).Mounts;
}

/** Runs the farm; once `subject`'s emerge is seen waiting (the fixture's `alpha-wait*` packages), its build container's mounts are read. */
export async function runSeeingMounts(
  remote: RemoteEngine,
  farm: Farm,
  subject: string,
): Promise<{ result: Awaited<ReturnType<Farm['run']>>; mounts: Awaited<ReturnType<typeof buildMounts>> | undefined }> {
  let mounts: ReturnType<typeof buildMounts> | undefined;
  const result = await farm.run((e) => {
    if (!mounts && e.event === 'output' && e.subject === subject && /fixture: waiting/.test(e.line ?? '')) mounts = buildMounts(remote, subject);
  });
  return { result, mounts: await mounts };
}
