/**
 * Builds on a remote engine (issue #12, "remote single engines"): the real `binfarm run` in one
 * network namespace, the engine a dockerd in another one reached over tcp:// with TLS
 * (test/helpers/remote-engine.ts), run.executor left at `local`. The run takes the no-bind path
 * by itself: the build container has volumes where a local one has binds, emerge reuses the
 * binhost over HTTP from binfarm's endpoint, and the binpkgs come back through the archive API,
 * verified into the partition; the subject image is on the remote engine. A failing package
 * fails its subject with its log tail, as locally. The fixture emerge stands in for Portage.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine.ts';
import { failure, type JsonEvent } from '../swarm/swarm-farm.ts';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;
let remote: RemoteEngine;
let stage3: string;

test.before(async () => {
  stage3 = await emergeFixtureImage();
  remote = await startRemoteEngine();
  await remote.loadImage(stage3);
});

test.after.always(async () => {
  await remote?.stop();
});

interface Farm {
  dir: string;
  binhost: string;
  /** Rewrites the config with other subjects. */
  write(subjects: Record<string, unknown>): void;
  run(onEvent?: (e: JsonEvent) => void): Promise<{ exitCode: number; events: JsonEvent[]; stderr: string; stdout: string }>;
  /** The binfarm process of the last run() (nsenter execs it), e.g. to send it SIGINT. */
  lastPid(): number | undefined;
}

function remoteFarm(name: string, subjects: Record<string, unknown>): Farm {
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
    // Only docker.host and docker.tls: the engine is elsewhere, and binfarm is told nothing else about it.
    docker: { host: remote.host, tls: remote.tls },
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
    async run(onEvent) {
      const child = remote.runInA(['node', BIN, '--cwd', dir, '--json', 'run'], { reject: false, env: { BINFARM_LOADER: 'tsx' }, buffer: true });
      pid = child.pid;
      const events: JsonEvent[] = [];
      let pending = '';
      child.stdout?.on('data', (b: Buffer) => {
        pending += b.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) {
          if (!l.trim().startsWith('{')) continue;
          const e = JSON.parse(l) as JsonEvent;
          events.push(e);
          onEvent?.(e);
        }
      });
      const r = await child;
      return { exitCode: r.exitCode ?? -1, events, stderr: String(r.stderr ?? ''), stdout: String(r.stdout ?? '') };
    },
  };
}

function streamText(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

function binpkgs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((p) => p.endsWith('.gpkg.tar'))
    : [];
}

/** The mounts of the subject's build container on the remote engine, while it runs. */
async function buildMounts(subject: string): Promise<Array<{ Type: string; Name?: string; Destination: string }>> {
  const cs = await remote.docker.listContainers({ filters: { label: [`binfarm.subject=${subject}`, 'binfarm.role=build'] } });
  if (!cs.length) return [];
  return ((await remote.docker.getContainer(cs[0]!.Id).inspect()) as unknown as { Mounts: Array<{ Type: string; Name?: string; Destination: string }> }).Mounts;
}

test.serial('a subject built on a remote tcp+TLS engine: no bind mount, its binpkgs verified into the partition, its image on that engine', async (t) => {
  t.timeout(10 * 60_000, 'binfarm builds on the remote engine');
  const farm = remoteFarm('ok', { alpha: { sets: { alpha: { 'app-misc/alpha-wait6': {} } } } });
  let mounts: ReturnType<typeof buildMounts> | undefined;
  const r = await farm.run((e) => {
    if (!mounts && e.event === 'output' && e.subject === 'alpha' && /fixture: waiting/.test(e.line ?? '')) mounts = buildMounts('alpha');
  });
  t.is(r.exitCode, 0, failure(r));
  t.truthy(mounts, 'the emerge was seen running');
  const seen = await mounts!;
  t.true(seen.length >= 4, JSON.stringify(seen));
  t.deepEqual(
    seen.filter((m) => m.Type !== 'volume'),
    [],
    'only volumes',
  );
  t.true(seen.some((m) => m.Destination === '/var/cache/binpkgs'));
  t.true(seen.some((m) => m.Destination === '/var/db/repos/gentoo'));
  // The binpkg is in the partition and in its index.
  const pkgs = binpkgs(farm.binhost);
  t.true(
    pkgs.some((p) => /app-misc\/alpha-wait6.*\.gpkg\.tar$/.test(p)),
    JSON.stringify(pkgs),
  );
  const index = readdirSync(farm.binhost, { recursive: true })
    .map(String)
    .find((p) => p.endsWith('Packages'));
  t.regex(readFileSync(join(farm.binhost, index!), 'utf8'), /CPV: app-misc\/alpha-wait6-1\.0/);
  t.regex(JSON.stringify(r.events), /received 1 of 1 binpkgs/);
  // The subject image was made and promoted on the remote engine.
  const images = await remote.docker.listImages({ filters: { reference: ['bf-ok/alpha:latest'] } });
  t.is(images.length, 1);
  // Neither the run's binrepos.conf nor the binpkgs (a volume) are in the image.
  const c = await remote.docker.createContainer({ Image: 'bf-ok/alpha:latest', Cmd: ['/bin/true'] });
  try {
    await t.throwsAsync(c.getArchive({ path: '/etc/portage/binrepos.conf/zz-binfarm-remote.conf' }), { message: /no such file|Could not find/i });
    t.regex(String(await c.getArchive({ path: '/usr/share/binfarm-fixture/app-misc/alpha-wait6' }).then(() => 'installed')), /installed/);
    const pkgdir = await c.getArchive({ path: '/var/cache/binpkgs' }).then(
      (a) => streamText(a as unknown as NodeJS.ReadableStream),
      () => '',
    );
    t.notRegex(pkgdir, /\.gpkg\.tar/);
  } finally {
    await c.remove();
  }
  t.deepEqual(await remote.docker.listContainers({ all: true, filters: { label: ['binfarm.owned=1'] } }), []);
  // The run's PKGDIR and log volumes went with it; the distfiles and tree volumes stay as caches.
  const { Volumes } = (await remote.docker.listVolumes()) as { Volumes: Array<{ Name: string; Labels: Record<string, string> | null }> | null };
  t.deepEqual(
    (Volumes ?? []).filter((v) => v.Labels?.['binfarm.run']).map((v) => v.Name),
    [],
  );
  t.true((Volumes ?? []).some((v) => v.Name === 'binfarm-distfiles' && v.Labels?.['binfarm.cache'] === 'distfiles'));

  // The next run's new subject reuses that binpkg: emerge on the remote engine fetched it from binfarm's endpoint.
  // A child of alpha builds on the remote engine from alpha's image there, into its own partition.
  farm.write({
    alpha: { sets: { alpha: { 'app-misc/alpha-wait6': {} } } },
    again: { sets: { again: { 'app-misc/alpha-wait6': {} } } },
    child: { parent: 'alpha', sets: { child: { 'app-misc/gamma': {} } } },
  });
  const next = await farm.run();
  t.is(next.exitCode, 0, failure(next));
  const note = (s: string) => next.events.find((e) => e.event === 'phase:end' && e.subject === s && e.phase === 'emerge')?.record?.note ?? '';
  t.regex(note('again'), /^built 0, reused 1 binary package on tcp:\/\/10\.213\.0\.2:2376/);
  t.regex(note('child'), /^built 1, reused 0 binary packages on tcp:\/\/10\.213\.0\.2:2376/);
  t.false(
    next.events.some((e) => e.event === 'phase:end' && e.subject === 'alpha' && e.phase === 'emerge'),
    'alpha was up to date',
  );
  const child = await remote.docker.createContainer({ Image: 'bf-ok/child:latest', Cmd: ['/bin/true'] });
  try {
    // The parent's package came with alpha's image, the child's own from its emerge.
    for (const p of ['alpha-wait6', 'gamma']) {
      t.regex(
        String(
          await child.getArchive({ path: `/usr/share/binfarm-fixture/app-misc/${p}` }).then(
            () => 'installed',
            () => 'missing',
          ),
        ),
        /installed/,
        p,
      );
    }
  } finally {
    await child.remove();
  }
  t.true(
    binpkgs(farm.binhost).some((p) => /app-misc\/gamma\/gamma-1\.0.*\.gpkg\.tar$/.test(p)),
    `the child's binpkg is in the binhost: ${binpkgs(farm.binhost).join(' ')}`,
  );
});

test.serial("a failing build on the remote engine fails its subject with the failing package's log tail; what built is kept", async (t) => {
  t.timeout(10 * 60_000, 'binfarm builds on the remote engine');
  const farm = remoteFarm('fail', { bad: { sets: { bad: { 'app-misc/gamma': {}, 'app-misc/broken': {} } } } });
  const r = await farm.run();
  t.not(r.exitCode, 0);
  const all = `${r.stderr}\n${r.stdout}`;
  t.regex(all, /emerge failed for subject \\?"bad\\?": 1 package\(s\) failed/);
  t.regex(all, /expected ';' before '}' token/);
  t.true(binpkgs(farm.binhost).some((p) => p.includes('gamma')));
  t.false(binpkgs(farm.binhost).some((p) => p.includes('broken')));
});

test.serial("Ctrl-C mid-emerge removes the run's containers and volumes on the remote engine; nothing enters the partition", async (t) => {
  t.timeout(10 * 60_000, 'binfarm builds on the remote engine');
  const farm = remoteFarm('intr', { stuck: { sets: { stuck: { 'app-misc/slowpoke': {} } } } });
  let sent = false;
  const r = await farm.run((e) => {
    if (!sent && e.event === 'output' && e.subject === 'stuck' && /fixture: sleeping/.test(e.line ?? '')) {
      sent = true;
      process.kill(farm.lastPid()!, 'SIGINT');
    }
  });
  t.true(sent, 'the emerge was seen sleeping');
  t.is(r.exitCode, 130, r.stderr);
  t.deepEqual(await remote.docker.listContainers({ all: true, filters: { label: ['binfarm.owned=1'] } }), []);
  const { Volumes } = (await remote.docker.listVolumes()) as { Volumes: Array<{ Name: string; Labels: Record<string, string> | null }> | null };
  t.deepEqual(
    (Volumes ?? []).filter((v) => v.Labels?.['binfarm.run']).map((v) => v.Name),
    [],
  );
  const incoming = join(farm.dir, 'state', 'incoming');
  t.deepEqual(existsSync(incoming) ? readdirSync(incoming) : [], []);
  t.false(binpkgs(farm.binhost).some((p) => p.includes('slowpoke')));
  // The attempt is recorded as the local executor records it (core/emerge/failure.ts); never built, so on its own.
  const attempt = JSON.parse(readFileSync(join(farm.dir, 'state', 'subjects', 'stuck.attempt.json'), 'utf8')) as { status: string; message: string };
  t.is(attempt.status, 'interrupted');
  t.regex(attempt.message, /interrupted while building app-misc\/slowpoke/);
});

test.serial('the remote engine and its namespaces are gone after stop()', async (t) => {
  await remote.stop();
  t.deepEqual(remote.leftovers(), []);
});
