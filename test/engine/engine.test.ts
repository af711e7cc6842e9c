import test from 'ava';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { isBinfarmError } from '../../core/errors.ts';
import { stage3FixtureImage, packEntries } from '../fixtures/images.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { captureLogger, testEngine, testRunId } from './helpers.ts';

async function readTar(stream: Readable): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const extract = tarStream.extract();
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    body.on('end', () => {
      files.set(header.name, Buffer.concat(chunks).toString());
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

test.serial('run: streams complete lines, returns the exit code, labels and removes the container', async (t) => {
  const image = await stage3FixtureImage();
  const engine = await testEngine(t, { tag: 'run' });
  const lines: string[] = [];
  const docker = await dockerForTests();
  let seenLabels: Record<string, string> | undefined;
  const r = await engine.run(
    { image, cmd: ['sh', '-c', 'printf "one\\ntw"; sleep 0.2; printf "o\\n"; echo err >&2; printf "no-newline"; exit 3'], labels: { 'binfarm.test': 'run' } },
    {
      onLine: (l, s) => {
        lines.push(`${s}:${l}`);
        if (!seenLabels) {
          void docker.listContainers({ all: true, filters: { label: [`binfarm.run=${engine.runId}`] } }).then((cs) => (seenLabels ??= cs[0]?.Labels));
        }
      },
    },
  );
  t.is(r.exitCode, 3);
  t.deepEqual(lines.filter((l) => l.startsWith('stdout')), ['stdout:one', 'stdout:two', 'stdout:no-newline']);
  t.deepEqual(lines.filter((l) => l.startsWith('stderr')), ['stderr:err']);
  t.is(r.stdout, 'one\ntwo\nno-newline');
  await new Promise((res) => setTimeout(res, 100));
  t.is(seenLabels?.['binfarm.owned'], '1');
  t.is(seenLabels?.['binfarm.run'], engine.runId);
  t.is(seenLabels?.['binfarm.test'], 'run');
  const left = await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${engine.runId}`] } });
  t.is(left.length, 0, 'run() removes its container');
});

test.serial('start/exec: exit codes, env, workdir; archives in and out; commit with labels; tag', async (t) => {
  const image = await stage3FixtureImage();
  const engine = await testEngine(t, { tag: 'exec' });
  const c = await engine.start({ image, cmd: ['sleep', '600'], labels: { 'binfarm.test': 'exec' } });
  const r = await c.exec(['sh', '-c', 'echo "$GREETING from $(pwd)"; exit 7'], { env: { GREETING: 'hello' }, workdir: '/etc' });
  t.is(r.exitCode, 7);
  t.is(r.stdout.trim(), 'hello from /etc');
  t.is((await c.exec(['true'])).exitCode, 0);

  const tar = await packEntries([
    { type: 'directory', name: 'binfarm' },
    { type: 'file', name: 'binfarm/hello.txt', content: 'hi there\n' },
  ]);
  await c.putArchive(tar, '/var/tmp');
  t.is((await c.exec(['cat', '/var/tmp/binfarm/hello.txt'])).stdout, 'hi there\n');
  const files = await readTar(await c.getArchive('/var/tmp/binfarm'));
  t.is(files.get('binfarm/hello.txt'), 'hi there\n');
  t.deepEqual(await c.statPath('/var/tmp/binfarm/hello.txt'), { size: 9 });
  t.is(await c.statPath('/var/tmp/binfarm/absent'), undefined);
  // A file put by its whole path: the engine makes the missing directories (core/sbom/image-sbom.ts putSbom relies on it).
  await c.putArchive(await packEntries([{ type: 'file', name: 'var/tmp/made/by/engine.txt', content: 'deep\n' }]), '/');
  t.is((await c.exec(['cat', '/var/tmp/made/by/engine.txt'])).stdout, 'deep\n');
  t.is((await c.exec(['stat', '-c', '%a %u', '/var/tmp/made/by'])).stdout.trim(), '755 0');

  const ref = `binfarm-test/committed-${engine.runId}`;
  const id = await c.commit({
    repo: ref,
    tag: 'v1',
    labels: { 'binfarm.key': 'abc "quoted"', 'binfarm.owned': '1', 'binfarm.test': 'exec' },
    changes: ['CMD ["cat","/var/tmp/binfarm/hello.txt"]'],
  });
  t.teardown(() => engine.removeImage(`${ref}:v1`, { force: true }));
  const info = await engine.inspectImage(`${ref}:v1`);
  t.is(info?.id, id);
  t.is(info?.labels['binfarm.key'], 'abc "quoted"');
  await engine.tag(id, ref, 'v2');
  t.teardown(() => engine.removeImage(`${ref}:v2`, { force: true }));
  t.true((await engine.inspectImage(`${ref}:v2`))?.repoTags.includes(`${ref}:v2`));
  const out = await engine.run({ image: `${ref}:v2` });
  t.is(out.stdout, 'hi there\n');
});

test.serial('importTarball: a rootfs tar becomes a labelled image', async (t) => {
  const engine = await testEngine(t, { tag: 'import' });
  const tar = await packEntries([
    { type: 'directory', name: 'bin' },
    { type: 'file', name: 'bin/busybox', mode: 0o755, content: (await import('node:fs')).readFileSync('/bin/busybox') },
    { type: 'symlink', name: 'bin/sh', target: 'busybox' },
    { type: 'file', name: 'marker', content: engine.runId },
  ]);
  const repo = `binfarm-test/imported-${engine.runId}`;
  const info = await engine.importTarball(Readable.from([tar]), { repo, tag: 'x' }, { 'binfarm.test': 'import', 'binfarm.stage3.sha512': 'f00' });
  t.teardown(() => engine.removeImage(`${repo}:x`, { force: true }));
  t.is(info.labels['binfarm.stage3.sha512'], 'f00');
  t.is(info.labels['binfarm.owned'], '1');
  const r = await engine.run({ image: `${repo}:x`, cmd: ['/bin/sh', '-c', 'cat /marker'] });
  t.is(r.stdout, engine.runId);
});

test.serial('cleanup removes this run\'s containers and volumes, runs cleanups in reverse, keeps cache volumes, is idempotent', async (t) => {
  const image = await stage3FixtureImage();
  const docker = await dockerForTests();
  const engine = await testEngine(t, { tag: 'cleanup' });
  const other = await testEngine(t, { tag: 'cleanup-other' });
  await engine.start({ image, cmd: ['sleep', '600'] });
  await engine.create({ image, cmd: ['true'] });
  const keep = await other.start({ image, cmd: ['sleep', '600'] });
  const vol = await engine.createVolume(`binfarm-test-${engine.runId}`);
  const cacheVol = await engine.createVolume(`binfarm-test-cache-${engine.runId}`, { cache: 'test' });
  t.teardown(() => engine.removeVolume(cacheVol));
  const order: string[] = [];
  engine.onCleanup(() => void order.push('first'));
  engine.onCleanup(async () => {
    // Containers are gone before registered cleanups run (they may hold the mounts being released).
    const cs = await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${engine.runId}`] } });
    order.push(`second:${cs.length}`);
  });
  await engine.cleanup();
  t.deepEqual(order, ['second:0', 'first']);
  t.is((await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${engine.runId}`] } })).length, 0);
  const vols = (await docker.listVolumes()).Volumes.map((v) => v.Name);
  t.false(vols.includes(vol));
  t.true(vols.includes(cacheVol), 'cache volumes outlive the run');
  t.truthy(await docker.getContainer(keep.id).inspect(), "another run's container is untouched");
  await engine.cleanup();
  t.deepEqual(order, ['second:0', 'first'], 'each registered cleanup runs once');
});

test.serial('unknown image: E_IMAGE_NOT_FOUND naming the reference', async (t) => {
  const engine = await testEngine(t, { tag: 'unknown' });
  const ref = `binfarm-test/does-not-exist:${engine.runId}`;
  t.is(await engine.inspectImage(ref), undefined);
  const e = await t.throwsAsync(engine.start({ image: ref, cmd: ['true'] }));
  t.true(isBinfarmError(e));
  t.is((e as { code?: string }).code, 'E_IMAGE_NOT_FOUND');
  t.regex(e!.message, new RegExp(ref.replace(/[/.:-]/g, '.')));
  t.regex((e as { hint?: string }).hint ?? '', /docker images/);
});

test.serial('daemon unreachable: E_DOCKER_UNREACHABLE with the fix (docker.host and DOCKER_HOST)', async (t) => {
  for (const [options, env] of [
    [{ docker: { host: 'unix:///nonexistent/docker.sock' } }, process.env],
    [{ docker: {} }, { ...process.env, DOCKER_HOST: 'unix:///nonexistent' }],
  ] as const) {
    const e = await t.throwsAsync(createEngine(options, testRunId('unreach'), captureLogger(), { env }));
    t.is((e as { code?: string }).code, 'E_DOCKER_UNREACHABLE');
    t.regex(e!.message, /cannot reach the Docker daemon at unix:\/\/\/nonexistent/);
    t.regex((e as { hint?: string }).hint ?? '', /Start the Docker daemon.*DOCKER_HOST/s);
  }
  const tcp = await t.throwsAsync(createEngine({ docker: { host: 'tcp://127.0.0.1:1' } }, testRunId('unreach'), captureLogger()));
  t.is((tcp as { code?: string }).code, 'E_DOCKER_UNREACHABLE');
  t.regex(tcp!.message, /ECONNREFUSED/);
});

test.serial('API version check: an engine older than docker.minApiVersion is refused', async (t) => {
  await dockerForTests();
  const e = await t.throwsAsync(createEngine({ docker: { minApiVersion: '9.99' } }, testRunId('api'), captureLogger()));
  t.is((e as { code?: string }).code, 'E_DOCKER');
  t.regex(e!.message, /speaks API 1\.\d+.*needs 9\.99/);
});

test.serial('pull from an unreachable registry: the error inside the stream or the 500 becomes a clear E_DOCKER', async (t) => {
  const engine = await testEngine(t, { tag: 'pull-fail' });
  const progress: string[] = [];
  const e = await t.throwsAsync(engine.pull('127.0.0.1:1/binfarm/nothing:1', { onProgress: (l) => progress.push(l) }));
  t.is((e as { code?: string }).code, 'E_DOCKER');
  t.regex(e!.message, /pull of 127\.0\.0\.1:1\/binfarm\/nothing:1 failed/);
  t.regex((e as { hint?: string }).hint ?? '', /could not reach 127\.0\.0\.1:1/);
});

test.serial('run honours the abort signal: the container is killed and removed', async (t) => {
  const image = await stage3FixtureImage();
  const engine = await testEngine(t, { tag: 'abort' });
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 500);
  const e = await t.throwsAsync(engine.run({ image, cmd: ['sleep', '60'] }, { signal: ac.signal }));
  t.is((e as { code?: string }).code, 'E_INTERRUPTED');
  t.true(Date.now() - started < 20_000);
  const docker = await dockerForTests();
  t.is((await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${engine.runId}`] } })).length, 0);
});

test('output keeps only the tail when asked', async (t) => {
  const { OutputCollector } = await import('../../core/engine/output.ts');
  const lines: string[] = [];
  const out = new OutputCollector((l) => lines.push(l), 8);
  for (const chunk of ['abc\nd', 'ef\n', 'ghij\nklmn']) out.stdout.write(Buffer.from(chunk));
  const res = out.finish();
  t.deepEqual(lines, ['abc', 'def', 'ghij', 'klmn']);
  t.is(res.stdout, 'hij\nklmn');
});
