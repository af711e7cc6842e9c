/**
 * Builds on a remote engine reached over ssh:// (issue #12, "remote single engines"): the real
 * `binfarm run` in the client namespace, the engine a dockerd in another namespace behind
 * OpenSSH's sshd (test/helpers/remote-engine.ts with `ssh: true`), the config naming only
 * docker.host, docker.ssh.identity and docker.ssh.knownHosts. The run takes the same no-bind
 * path as over tcp+TLS (test/remote/build.test.ts): volumes for the build container, the
 * binpkgs back through the archive API into the partition, the image on the remote engine. And
 * `binfarm doctor` says where the engine is, or why it cannot be reached.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine.ts';
import { binpkgs, remoteFarm, runSeeingMounts } from '../helpers/remote-farm.ts';
import { failure } from '../swarm/swarm-farm.ts';

let remote: RemoteEngine;
let stage3: string;

test.before(async () => {
  stage3 = await emergeFixtureImage();
  remote = await startRemoteEngine({ ssh: true });
  await remote.loadImage(stage3);
});

test.after.always(async () => {
  await remote?.stop();
});

const sshDocker = (knownHosts = remote.ssh!.knownHosts) => ({ host: remote.ssh!.host, ssh: { identity: remote.ssh!.identity, knownHosts } });

interface DoctorLine {
  id: string;
  status: string;
  summary: string;
  hint?: string;
}

function doctorCheck(stdout: string, id: string): DoctorLine | undefined {
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { checks: DoctorLine[] };
  return report.checks.find((c) => c.id === id);
}

test.serial('a subject built on a remote ssh:// engine: no bind mount, its binpkgs verified into the partition, its image on that engine', async (t) => {
  t.timeout(10 * 60_000, 'binfarm builds on the remote engine');
  const farm = remoteFarm(remote, sshDocker(), stage3, 'ssh', { alpha: { sets: { alpha: { 'app-misc/alpha-wait6': {} } } } });
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
  const note = r.events.find((e) => e.event === 'phase:end' && e.subject === 'alpha' && e.phase === 'emerge')?.record?.note ?? '';
  t.regex(note, /on ssh:\/\/root@10\.213\.0\.2:2222/);
  t.true(binpkgs(farm.binhost).some((p) => /app-misc\/alpha-wait6.*\.gpkg\.tar$/.test(p)));
  const index = readdirSync(farm.binhost, { recursive: true })
    .map(String)
    .find((p) => p.endsWith('Packages'));
  t.regex(readFileSync(join(farm.binhost, index!), 'utf8'), /CPV: app-misc\/alpha-wait6-1\.0/);
  t.is((await remote.docker.listImages({ filters: { reference: ['bf-ssh/alpha:latest'] } })).length, 1);
  t.deepEqual(await remote.docker.listContainers({ all: true, filters: { label: ['binfarm.owned=1'] } }), []);
  const { Volumes } = (await remote.docker.listVolumes()) as { Volumes: Array<{ Name: string; Labels: Record<string, string> | null }> | null };
  t.deepEqual(
    (Volumes ?? []).filter((v) => v.Labels?.['binfarm.run']).map((v) => v.Name),
    [],
  );
});

test.serial('binfarm doctor against the ssh:// engine: where it is and that builds run there; an unknown host key fails with the fix', async (t) => {
  const farm = remoteFarm(remote, sshDocker(), stage3, 'doctor', {});
  const ok = await farm.cli(['--json', 'doctor']);
  const docker = doctorCheck(ok.stdout, 'docker');
  t.truthy(docker, ok.stdout + ok.stderr);
  t.is(docker!.status, 'ok', JSON.stringify(docker));
  t.regex(docker!.summary, /^Docker \S+ \(API [\d.]+\) at ssh:\/\/root@10\.213\.0\.2:2222, not on this machine: builds run there with no host bind mount/);
  t.is(doctorCheck(ok.stdout, 'stage3')?.status, 'ok', ok.stdout);

  const unknown = remoteFarm(remote, sshDocker('/nonexistent/known_hosts'), stage3, 'doctor-unknown', {});
  const bad = await unknown.cli(['--json', 'doctor']);
  const failed = doctorCheck(bad.stdout, 'docker');
  t.is(failed?.status, 'fail', bad.stdout + bad.stderr);
  t.regex(
    failed!.summary,
    /^refusing the Docker engine at ssh:\/\/root@10\.213\.0\.2:2222: its SSH host key \(ssh-ed25519 SHA256:\S+\) is not in \/nonexistent\/known_hosts/,
  );
  t.regex(failed!.hint ?? '', /ssh-keyscan -p 2222 10\.213\.0\.2/);
  t.not(bad.exitCode, 0);
});

test.serial('the remote engine, its sshd and its namespaces are gone after stop()', async (t) => {
  await remote.stop();
  t.deepEqual(remote.leftovers(), []);
});
