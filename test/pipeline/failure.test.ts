import test from 'ava';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests } from '../helpers/docker.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { acquireRunLock, lockPath } from '../../core/plan/lock.ts';
import { rootCause } from '../../core/errors.ts';
import { collectingReporter, type RunEvent } from '../../core/run/progress/events.ts';
import { pipelineEnv, type PipelineEnv } from './helpers.ts';

/** base + hep-core, published once (generation 1). */
async function published(t: Parameters<typeof pipelineEnv>[0], name: string): Promise<{ env: PipelineEnv; pubBase: string }> {
  const env = await pipelineEnv(t, name);
  const r = await env.run(env.farm((c) => ((c.targets = ['hep-core']), (c.run = { ...c.run, publish: true }))));
  t.is(r.status, 'done', JSON.stringify(r.failures));
  const core = (await readSubjectState(join(env.dir, 'state'), 'hep-core'))!;
  const pubBase = join(env.dir, 'published', core.partition.rel);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');
  return { env, pubBase };
}

async function leftovers(runId: string): Promise<number> {
  const docker = await dockerForTests();
  const label = [`binfarm.run=${runId}`];
  const c = await docker.listContainers({ all: true, filters: { label } });
  const v = (await docker.listVolumes({ filters: { label } })).Volumes ?? [];
  return c.length + v.length;
}

test.serial('a failing package fails the subject with its log tail; good binpkgs stay; nothing is published', async (t) => {
  const { env, pubBase } = await published(t, 'fail');
  const farm = env.farm((c) => {
    c.targets = ['hep-core'];
    c.run = { ...c.run, publish: true, keepFailed: true };
    Object.assign(c.subjects!['hep-core']!.sets!['hep-core']!, { 'app-misc/broken-thing': {}, 'sci-physics/root': {} });
  });
  const r = await env.run(farm);
  t.is(r.status, 'failed');
  t.deepEqual(r.summary.failed, ['hep-core']);
  const err = rootCause(r.error) as { code: string; message: string; hint: string };
  t.is(err.code, 'E_EMERGE');
  const logDir = join(r.runDir, 'portage-logs', 'hep-core');
  t.regex(err.message, new RegExp(`app-misc/broken-thing-1\\.0 \\(log: ${logDir}/app-misc:broken-thing-1\\.0:\\d{8}-\\d{6}\\.log\\)`));
  t.regex(err.hint, /kept as binpkgs for the next run/);
  const saved = `${env.prefix}/hep-core:failed-${r.runId}`;
  t.true(err.hint.includes(`saved as ${saved}`), err.hint);
  const docker = await dockerForTests();
  const savedImage = await docker.getImage(saved).inspect();
  t.is(savedImage.Config.Labels?.['binfarm.key'], '', 'a failed build never passes for a built one (nor for its parent)');
  t.deepEqual(savedImage.Config.Cmd, ['/bin/sh']);
  // Portage's 0660 portage:portage log is readable by whoever ran binfarm, not only by root
  const portageLog = readdirSync(logDir).find((f) => f.startsWith('app-misc:broken-thing-1.0:'))!;
  t.is(statSync(join(logDir, portageLog)).mode & 0o004, 0o004);
  const subjectLog = readFileSync(join(r.runDir, 'hep-core.log'), 'utf8');
  t.regex(subjectLog, /--- .*broken-thing-1\.0.*\.log \(the first error and the end\) ---/);
  t.regex(subjectLog, /broken-thing\.c:42:1: error: expected ';' before '}' token/);
  t.deepEqual(r.failures[0]!.phase, 'emerge');

  const state = (await readSubjectState(join(env.dir, 'state'), 'hep-core'))!;
  t.is(state.lastAttempt?.status, 'failed');
  t.deepEqual(state.lastAttempt?.failed, ['app-misc/broken-thing-1.0']);
  t.true(state.lastAttempt!.built.includes('sci-physics/root-6.36.0'));
  t.true(existsSync(join(state.partition.dir, 'sci-physics/root/root-6.36.0-1.gpkg.tar')), 'the binpkg that did build is kept');
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1', 'a failed run publishes nothing');
  t.false(existsSync(join(pubBase, 'generations/2')));
  t.is(await leftovers(r.runId), 0);
  t.false(existsSync(lockPath(join(env.dir, 'state'))), 'the lock is released');
});

test.serial('Ctrl-C during emerge stops the container, records the partial result, leaves nothing behind and the binhost unchanged', async (t) => {
  const { env, pubBase } = await published(t, 'intr');
  const farm = env.farm((c) => {
    c.targets = ['hep-core'];
    c.run = { ...c.run, publish: true, jobs: 1 };
    Object.assign(c.subjects!['hep-core']!.sets!['hep-core']!, { 'sci-physics/root': {}, 'app-misc/slow-build': {} });
  });
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const reporter = collectingReporter(events);
  const emit = reporter.emit;
  reporter.emit = (e) => {
    emit(e);
    if (e.event === 'output' && e.line.includes('fixture: sleeping')) controller.abort();
  };
  const t0 = performance.now();
  const r = await env.run(farm, { signal: controller.signal, reporter });
  t.true(controller.signal.aborted, 'the slow package was reached');
  t.true(performance.now() - t0 < 60_000, 'the run stopped instead of waiting for the sleeping build');
  t.is(r.status, 'interrupted');
  t.is((rootCause(r.error) as { code: string }).code, 'E_INTERRUPTED');
  t.is(await leftovers(r.runId), 0, 'no container or volume of the run is left');
  const state = (await readSubjectState(join(env.dir, 'state'), 'hep-core'))!;
  t.is(state.lastAttempt?.status, 'interrupted');
  t.true(state.lastAttempt!.built.includes('sci-physics/root-6.36.0'), JSON.stringify(state.lastAttempt));
  t.regex(state.lastAttempt!.message!, /interrupted while building app-misc\/slow-build-1\.0/);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');
  t.false(existsSync(join(pubBase, 'generations/2')));
  t.false(existsSync(lockPath(join(env.dir, 'state'))));
  const titles = events.filter((e): e is Extract<RunEvent, { event: 'title' }> => e.event === 'title').map((e) => e.title);
  t.true(titles.some((x) => /^emerge \(\d of \d\) app-misc\/slow-build-1\.0$/.test(x)), `the task title followed emerge: ${titles.join(' | ')}`);
});

test.serial('a second run on the same state directory is refused with the holder named', async (t) => {
  const env = await pipelineEnv(t, 'lock');
  const stateDir = join(env.dir, 'state');
  const release = await acquireRunLock(stateDir, { command: 'run analysis' });
  t.teardown(release);
  const r = await env.run(env.farm());
  t.is(r.status, 'failed');
  const err = rootCause(r.error) as { code: string; message: string };
  t.is(err.code, 'E_LOCKED');
  t.regex(err.message, new RegExp(`pid ${process.pid} .*"binfarm run analysis"`));
});

test.serial('unmerged config updates and failing smoke tests fail the subject; no image keeps its key', async (t) => {
  const env = await pipelineEnv(t, 'checks');
  const stateDir = join(env.dir, 'state');
  const docker = await dockerForTests();

  const cfg = await env.run(env.farm((c) => ((c.targets = ['hep-core']), Object.assign(c.subjects!['hep-core']!.sets!['hep-core']!, { 'app-misc/cfgprotect-demo': {} }))));
  t.is(cfg.status, 'failed');
  t.is(cfg.failures[0]!.phase, 'package');
  const e1 = rootCause(cfg.error) as { code: string; message: string };
  t.is(e1.code, 'E_EMERGE');
  t.regex(e1.message, /packages left unmerged configuration updates: \/etc\/\._cfg0000_cfgprotect-demo\.conf/);
  t.is(await readSubjectState(stateDir, 'hep-core'), undefined, 'no build recorded');

  const smoke = await env.run(
    env.farm((c) => {
      c.targets = ['hep-core'];
      c.subjects!['hep-core']!.smoke = [{ name: 'boost has numpy', cmd: ['cat', '/usr/share/binfarm-fixture/dev-libs/boost'], expect: 'numpy' }];
    }),
  );
  t.is(smoke.status, 'failed');
  const e2 = rootCause(smoke.error) as { code: string; message: string };
  t.is(e2.code, 'E_SMOKE');
  t.regex(e2.message, /boost has numpy: output "dev-libs\/boost-1\.88\.0 USE=\\"python\\"" does not match numpy/);
  const key = smoke.builds.get('hep-core')!.key!;
  // Other test files build the same subject with the same key concurrently: look at this farm's images only.
  const ours = [
    ...(await docker.listImages({ filters: { label: [`binfarm.key=${key}`] } })),
    ...(await docker.listImages({ filters: { label: [`binfarm.pending-key=${key}`] } })),
  ].filter((i) => (i.RepoTags ?? []).some((tag) => tag.startsWith(`${env.prefix}/`)));
  t.deepEqual(ours, [], 'the image failing its smoke test is removed');
  t.is(await readSubjectState(stateDir, 'hep-core'), undefined);
  t.truthy(await readSubjectState(stateDir, 'base'), 'the base built fine and is recorded');

  // --keep-failed keeps the image that failed its smoke test, under a tag nothing skips on
  const kept = await env.run(
    env.farm((c) => {
      c.targets = ['hep-core'];
      c.run = { ...c.run, keepFailed: true };
      c.subjects!['hep-core']!.smoke = [{ name: 'boost has numpy', cmd: ['cat', '/usr/share/binfarm-fixture/dev-libs/boost'], expect: 'numpy' }];
    }),
  );
  t.is(kept.status, 'failed');
  const e3 = rootCause(kept.error) as { code: string; hint: string };
  t.is(e3.code, 'E_SMOKE');
  const keptRef = `${env.prefix}/hep-core:failed-${kept.runId}`;
  t.true(e3.hint.includes(`kept as ${keptRef}`), e3.hint);
  const keptImage = await docker.getImage(keptRef).inspect();
  t.is(keptImage.Config.Labels?.['binfarm.key'], '', 'a kept failure never counts as built');
  t.is(keptImage.Config.Labels?.['binfarm.tested'], '');
  t.is(await readSubjectState(stateDir, 'hep-core'), undefined);
});
