/**
 * The Engine API client of the no-op path (core/engine/engine-api.ts) against the real daemon:
 * the same answers and the same errors as dockerode, and a run that builds nothing never loads
 * dockerode.
 */
import test from 'ava';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { resolveConnection } from '../../core/engine/connect.ts';
import { httpEngineApi } from '../../core/engine/engine-api.ts';
import { SshDockerAgent } from '../../core/engine/ssh-transport.ts';
import { daemonMessage, translateDockerError } from '../../core/engine/errors.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { testEngine } from './helpers.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('answers as dockerode does: version, image inspect and list, containers, volumes', async (t) => {
  const docker = await dockerForTests();
  const image = await stage3FixtureImage();
  const api = httpEngineApi(resolveConnection({}).options)!;
  t.truthy(api);

  const theirVersion = await docker.version();
  t.deepEqual(await api.version(), { Version: theirVersion.Version, ApiVersion: theirVersion.ApiVersion });
  const mine = await api.inspectImage(image);
  const theirs = await docker.getImage(image).inspect();
  t.is(mine.Id, theirs.Id);
  t.deepEqual(mine.RepoTags, theirs.RepoTags);
  t.deepEqual(mine.Config?.Labels, theirs.Config.Labels);

  const filters = { label: ['binfarm.test=fixture'] };
  const ids = (xs: Array<{ Id: string }>) => xs.map((x) => x.Id).sort();
  t.deepEqual(ids(await api.listImages(filters)), ids(await docker.listImages({ filters })));
  t.true(
    (await api.listImages(filters)).some((i) => i.Id === theirs.Id),
    'the filter is applied, not ignored',
  );
  t.deepEqual((await api.listImages({ label: ['binfarm.no-such-label=1'] })).length, 0);

  const c = await docker.createContainer({ Image: image, Cmd: ['true'], Labels: { 'binfarm.test': 'engine-api' } });
  t.teardown(() => c.remove({ force: true }));
  const listed = await api.listContainers({ label: ['binfarm.test=engine-api'] });
  t.true(
    listed.some((x) => x.Id === c.id),
    'a created (never started) container is listed: all=true',
  );
  t.deepEqual(ids(listed), ids(await docker.listContainers({ all: true, filters: { label: ['binfarm.test=engine-api'] } })));

  const vname = `binfarm-engine-api-${process.pid}`;
  await docker.createVolume({ Name: vname, Labels: { 'binfarm.test': 'engine-api' } });
  t.teardown(() => docker.getVolume(vname).remove());
  t.deepEqual(
    (await api.listVolumes({ label: ['binfarm.test=engine-api'] })).Volumes?.map((v) => v.Name),
    (await docker.listVolumes({ filters: { label: ['binfarm.test=engine-api'] } })).Volumes.map((v) => v.Name),
  );
});

test('errors carry what dockerode puts on them, so they translate alike', async (t) => {
  const docker = await dockerForTests();
  const api = httpEngineApi(resolveConnection({}).options)!;
  const ref = 'binfarm-no-such-image:never';
  const mine = (await t.throwsAsync(api.inspectImage(ref))) as Error & { statusCode?: number; json?: unknown };
  const theirs = (await t.throwsAsync(docker.getImage(ref).inspect())) as Error & { statusCode?: number; json?: unknown };
  t.is(mine.statusCode, 404);
  t.is(mine.message, theirs.message);
  t.deepEqual(mine.json, theirs.json);
  t.is(daemonMessage(mine), daemonMessage(theirs));
  const ctx = { action: 'inspect image', ref, host: 'here' };
  t.is(translateDockerError(mine, ctx).code, translateDockerError(theirs, ctx).code);

  const gone = httpEngineApi(resolveConnection({ host: 'unix:///nonexistent/docker.sock' }).options)!;
  const e = (await t.throwsAsync(gone.version())) as Error & { code?: string; statusCode?: number };
  t.is(e.code, 'ENOENT');
  t.is(e.statusCode, undefined);
});

test("ssh:// engines are asked over node:http through binfarm's SSH agent, not dockerode", (t) => {
  const { options } = resolveConnection({ host: 'ssh://builder@farm.example' }, { HOME: '/nonexistent' });
  t.true((options as { agent?: unknown }).agent instanceof SshDockerAgent);
  t.truthy(httpEngineApi(options));
  t.is(httpEngineApi({ protocol: 'ssh' as 'http', host: 'farm.example' }), undefined, 'a transport it does not speak');
});

test('the queries of a no-op run do not load dockerode; the first change does', async (t) => {
  await testEngine(t); // a reachable daemon
  const image = await stage3FixtureImage();
  const script = `
    import { createRequire } from 'node:module';
    const { createEngine } = await import('./core/engine/docker-engine.ts');
    const { sweepOrphans } = await import('./core/engine/orphans.ts');
    const { createLogger } = await import('./core/log/logger.ts');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/dockerode/'));
    const stateDir = mkdtempSync('/tmp/binfarm-engine-api-');
    const engine = await createEngine({ docker: {} }, 'test-engine-api-' + process.pid, createLogger('t', () => {}), { stateDir });
    await sweepOrphans(engine, stateDir);
    await engine.ping();
    await engine.inspectImage(${JSON.stringify(image)});
    await engine.listImages({ label: ['binfarm.test=fixture'] });
    await engine.cleanup();
    const before = loaded();
    await engine.tag(${JSON.stringify(image)}, 'binfarm-engine-api-tag', String(process.pid));
    await engine.removeImage('binfarm-engine-api-tag:' + process.pid);
    rmSync(stateDir, { recursive: true, force: true });
    console.log(JSON.stringify({ before, after: loaded() }));
  `;
  const r = await execa('node', ['--import=tsx', '--input-type=module', '-e', script], { cwd: repo });
  t.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), { before: false, after: true });
});
