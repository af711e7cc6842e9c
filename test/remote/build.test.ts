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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine.ts';
import { binpkgs, remoteFarm as farmOn, runSeeingMounts, streamText } from '../helpers/remote-farm.ts';
import { failure } from '../swarm/swarm-farm.ts';
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

const remoteFarm = (name: string, subjects: Record<string, unknown>) => farmOn(remote, { host: remote.host, tls: remote.tls }, stage3, name, subjects);

test.serial('a subject built on a remote tcp+TLS engine: no bind mount, its binpkgs verified into the partition, its image on that engine', async (t) => {
  t.timeout(10 * 60_000, 'binfarm builds on the remote engine');
  const farm = remoteFarm('ok', { alpha: { sets: { alpha: { 'app-misc/alpha-wait6': {} } } } });
  const { result: r, mounts } = await runSeeingMounts(remote, farm, 'alpha');
  t.is(r.exitCode, 0, failure(r));
  t.truthy(mounts, 'the emerge was seen running');
  const seen = mounts!;
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
