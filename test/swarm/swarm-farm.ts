/**
 * A farm run by the real `binfarm` command on the 2-node test cluster (test/helpers/swarm-cluster.ts):
 * the process runs inside node A's network namespace, so its job endpoint listens on the
 * manager's swarm address (10.213.0.1) where jobs on both nodes reach it, and it talks to A's
 * engine (the manager) through its socket. The stage3 is the busybox fixture with the fixture
 * emerge (test/fixtures/emerge), loaded into A; the registry is the cluster's.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SwarmCluster } from '../helpers/swarm-cluster.ts';
import { readJsonRun } from '../helpers/json-run.ts';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

export interface JsonEvent {
  event: string;
  time: string;
  subject?: string;
  phase?: string;
  record?: { status: string; note?: string };
  line?: string;
  [k: string]: unknown;
}

export interface SwarmFarm {
  dir: string;
  stateDir: string;
  binhost: string;
  write(config: Record<string, unknown>): void;
  /** `binfarm --json run ...` inside namespace A; resolves with the exit code, events and stderr. */
  run(args?: string[], opts?: { onEvent?: (e: JsonEvent) => void }): Promise<{ exitCode: number; events: JsonEvent[]; stderr: string; stdout: string }>;
  /** The spawned process of the last run(), e.g. to send it SIGINT. */
  lastPid(): number | undefined;
}

/** What went wrong in a run, for assertion messages: stderr and the error events. */
export function failure(r: { stderr: string; events: JsonEvent[] }): string {
  const errors = r.events.filter(
    (e) => e.event === 'phase:fail' || e.event === 'run:end' || (e.event === 'log' && (e as { level?: string }).level !== 'debug'),
  );
  return `${r.stderr}\n${errors.map((e) => JSON.stringify(e)).join('\n')}`.slice(-6000);
}

/**
 * `env` is added to the command's environment; by default it runs the sources through tsx, as the
 * test suite does (a benchmark passes bench/_compiled.ts's choice instead).
 */
export function swarmFarm(cluster: SwarmCluster, name: string, stage3: string, farmOpts: { env?: Record<string, string> } = {}): SwarmFarm {
  const dir = mkdtempSync(join(tmpdir(), `binfarm-swarm-${name}-`));
  const stateDir = join(dir, 'state');
  const binhost = join(dir, 'binhost');
  const tree = join(dir, 'tree');
  for (const [p, c] of Object.entries(treeFiles())) {
    mkdirSync(join(tree, p, '..'), { recursive: true });
    writeFileSync(join(tree, p), c);
  }
  let pid: number | undefined;
  const base = {
    name: `swarm-${name}`,
    imagePrefix: `bf-${name}`,
    stateDir,
    cacheDir: join(dir, 'cache'),
    stage3: { type: 'local', image: stage3 },
    tree: { type: 'dir', path: tree },
    mount: { strategy: 'bind' },
    binhost: { dir: binhost },
    registry: { url: `${cluster.registry}/${name}` },
    run: { executor: 'swarm' },
  };
  return {
    dir,
    stateDir,
    binhost,
    write(config) {
      writeFileSync(join(dir, '.binfarmrc.json'), JSON.stringify({ ...base, ...config, run: { ...base.run, ...((config.run as object) ?? {}) } }, null, 2));
    },
    async run(args = [], opts = {}) {
      const child = cluster.runInA(['node', BIN, '--cwd', dir, '--json', 'run', ...args], {
        reject: false,
        env: { DOCKER_HOST: `unix://${cluster.nodes.A.socketPath}`, BINFARM_LOADER: 'tsx', ...farmOpts.env },
        buffer: true,
      });
      pid = child.pid;
      return readJsonRun<JsonEvent>(child, opts.onEvent);
    },
    lastPid: () => pid,
  };
}

/** The note of a subject's emerge phase (`built 1, reused 0 binary packages on node host (id)`). */
export function emergeNote(events: JsonEvent[], subject: string): string {
  const e = events.find((x) => x.event === 'phase:end' && x.subject === subject && x.phase === 'emerge');
  return e?.record?.note ?? '';
}

/** The 12-character node ids named in an emerge note. */
export function noteNodes(note: string): string[] {
  return [...note.matchAll(/\(([0-9a-z]{12})\)/g)].map((m) => m[1]!);
}

/** [start, end] of a subject's emerge phase, ms since the epoch. */
export function emergeWindow(events: JsonEvent[], subject: string): [number, number] {
  const s = events.find((x) => x.event === 'phase:start' && x.subject === subject && x.phase === 'emerge');
  const e = events.find((x) => x.event === 'phase:end' && x.subject === subject && x.phase === 'emerge');
  return [Date.parse(s?.time ?? ''), Date.parse(e?.time ?? '')];
}

/** A partition's Packages index as comparable blocks: what a package is, not when or where it was built. */
export function comparableIndex(file: string): string[] {
  const volatile = /^(BUILD_TIME|BUILD_ID|MD5|SHA1|SHA256|BLAKE2B|SIZE|MTIME|PATH|TIMESTAMP|PACKAGES|URI):/;
  const blocks = readFileSync(file, 'utf8').trim().split(/\n\n+/).slice(1);
  return blocks
    .map((b) =>
      b
        .split('\n')
        .filter((l) => !volatile.test(l))
        .sort()
        .join('\n'),
    )
    .sort();
}

function treeFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'profiles/repo_name': 'gentoo\n',
    'profiles/default/linux/amd64/23.0/eapi': '8\n',
    'metadata/layout.conf': 'masters =\nthin-manifests = true\n',
  };
  for (const p of [
    'app-misc/hello-2.12.2',
    'app-misc/alpha-wait6-1.0',
    'app-misc/beta-wait6-1.0',
    'app-misc/gamma-1.0',
    'app-misc/slowpoke-1.0',
    'app-misc/broken-1.0',
  ]) {
    const pn = p.replace(/-[0-9][^/]*$/, '');
    files[`${pn}/${p.split('/')[1]}.ebuild`] = 'EAPI=8\n';
  }
  return files;
}
