/**
 * binfarm's engine client against a real remote engine over tcp:// with TLS (test/helpers/remote-engine.ts):
 * a dockerd in another network namespace that wants client certificates, reached by binfarm's
 * client from a third place (namespace A) with `docker.host` and `docker.tls` only. It is not
 * "this machine" to binfarm (engine.local is false), and what a build with no host bind mount
 * needs works there: volumes, files in through the archive API, containers that read them.
 * Without a client certificate the engine is unreachable with binfarm's error code.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine.ts';

const CHILD = fileURLToPath(new URL('./remote-child.ts', import.meta.url));
let remote: RemoteEngine;
let image: string;

test.before(async () => {
  image = await stage3FixtureImage();
  remote = await startRemoteEngine();
  await remote.loadImage(image);
});

test.after.always(async () => {
  await remote?.stop();
});

async function client(cert: string, key: string): Promise<Record<string, unknown>> {
  const tls = { ca: remote.tls.ca, ...(cert !== '-' ? { cert } : {}), ...(key !== '-' ? { key } : {}) };
  const spec = JSON.stringify({ docker: { host: remote.host, tls } });
  const r = await remote.runInA(['node', '--import', 'tsx', CHILD, spec, image], { reject: false, timeout: 180_000 });
  const line = String(r.stdout ?? '')
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the client printed no result (exit ${r.exitCode}):\n${String(r.stderr ?? '').slice(-3000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

test.serial('over tcp:// with TLS: a remote engine, volumes and files through the archive API, nothing left on the engine', async (t) => {
  const r = await client(remote.tls.cert, remote.tls.key);
  t.true(r.ok, JSON.stringify(r));
  t.is(r.local, false);
  t.is(r.display, 'tcp://10.213.0.2:2376 (TLS)');
  t.is(r.read, 'sent through the archive API\n');
  t.is(r.exitCode, 0);
  // The run's cleanup removed its containers and volume on the remote engine.
  const containers = await remote.docker.listContainers({ all: true, filters: { label: ['binfarm.owned=1'] } });
  t.deepEqual(containers, []);
  const { Volumes } = (await remote.docker.listVolumes({ filters: { label: ['binfarm.owned=1'] } })) as { Volumes: unknown[] | null };
  t.deepEqual(Volumes ?? [], []);
});

test.serial('without a client certificate the engine refuses the connection: E_DOCKER_UNREACHABLE', async (t) => {
  const r = await client('-', '-');
  t.false(r.ok);
  t.is(r.code, 'E_DOCKER_UNREACHABLE', JSON.stringify(r));
  t.regex(String(r.message), /10\.213\.0\.2:2376/);
});

test.serial('the remote engine and its namespaces are gone after stop()', async (t) => {
  await remote.stop();
  t.deepEqual(remote.leftovers(), []);
});
