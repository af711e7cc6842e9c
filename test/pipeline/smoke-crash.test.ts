import test from 'ava';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests } from '../helpers/docker.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { stateTag } from '../../core/engine/labels.ts';
import { pipelineEnv } from './helpers.ts';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

test.serial('a run SIGKILLed during the smoke test leaves only a pending image: the next run does not skip the subject, rebuilds and promotes it', async (t) => {
  t.timeout(480_000); // three builds of base through the CLI: slow on a loaded machine
  const env = await pipelineEnv(t, 'smokecrash');
  const stateDir = join(env.dir, 'state');
  const docker = await dockerForTests();
  // Built once and recorded (so the planner knows the stage3 and tree digests); then a USE change
  // gives base a new key, and the run building it is killed while its (slow) smoke test runs.
  const config = (slow: boolean) =>
    env.config((c) => {
      c.targets = ['base'];
      c.subjects = {}; // base alone (and JSON has no RegExp for the others' smoke tests)
      if (slow) c.base!.sets!['hf-base']!['app-misc/hello'] = { use: ['nls', 'unicode'] };
      const sleep = slow ? 'echo smoke-started; sleep 8; ' : '';
      c.base!.smoke = [{ name: 'hello', cmd: ['sh', '-c', `${sleep}cat /usr/share/binfarm-fixture/app-misc/hello`], expect: 'app-misc/hello' }];
    });
  const writeConfig = (slow: boolean) => writeFileSync(join(env.dir, '.binfarmrc.json'), JSON.stringify(config(slow)));
  const cli = (...args: string[]) => execa('node', [BIN, '--cwd', env.dir, ...args], { reject: false, env: { NO_COLOR: '1' } });
  t.teardown(async () => {
    // The killed run's containers are swept by the next run; remove them should an assertion stop the test first.
    for (const c of await docker.listContainers({ all: true, filters: { label: [`binfarm.state=${stateTag(stateDir)}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  });

  writeConfig(false);
  const t0 = Date.now();
  const lap = (what: string) => t.log(`${what}: ${Math.round((Date.now() - t0) / 1000)} s`);
  const r0 = await cli('run', '--renderer', 'simple');
  lap('first build');
  t.is(r0.exitCode, 0, r0.stdout + r0.stderr);
  const before = (await readSubjectState(stateDir, 'base'))!;

  writeConfig(true);
  const first = execa('node', [BIN, '--cwd', env.dir, 'run', '--renderer', 'simple'], { reject: false });
  const smoke = await waitFor(async () => {
    const cs = await docker.listContainers({ filters: { label: ['binfarm.role=smoke', 'binfarm.subject=base', `binfarm.state=${stateTag(stateDir)}`] } });
    return cs[0];
  }, first);
  t.regex(smoke.Image, new RegExp(`^${env.prefix}/base:pending-[0-9a-f]{12}$`), 'the smoke test runs on the pending image');
  lap('smoke test of the second build started');
  first.kill('SIGKILL');
  const r1 = await first;
  t.is(r1.signal, 'SIGKILL');

  const pendingRef = smoke.Image;
  const pending = await docker.getImage(pendingRef).inspect();
  const key = pending.Config.Labels!['binfarm.pending-key']!;
  t.regex(key, /^[0-9a-f]{64}$/);
  t.is(pending.Config.Labels!['binfarm.key'], '', 'a pending image has no key');
  t.is(pending.Config.Labels!['binfarm.tested'] ?? '', '');
  await t.throwsAsync(docker.getImage(`${env.prefix}/base:${key.slice(0, 12)}`).inspect(), undefined, 'no image under the final tag');
  t.not(key, before.key);
  t.is((await readSubjectState(stateDir, 'base'))!.key, before.key, 'no state before promotion');

  const plan = await cli('plan', '--explain', '--docker');
  t.is(plan.exitCode, 0, plan.stderr);
  t.regex(plan.stdout, new RegExp(`base\\s+build\\s+${key.slice(0, 12)}\\s+smoke tests never passed`), plan.stdout);
  t.true(plan.stdout.includes(`- smoke tests never passed (${pendingRef})`), plan.stdout);

  lap('plan');
  const second = await cli('run', '--renderer', 'simple');
  lap('rebuild');
  t.is(second.exitCode, 0, second.stdout + second.stderr);
  const state = (await readSubjectState(stateDir, 'base'))!;
  t.is(state.key, key, 'rebuilt under the same key');
  t.is(state.image.ref, `${env.prefix}/base:${key.slice(0, 12)}`);
  const promoted = await docker.getImage(state.image.ref).inspect();
  t.is(promoted.Config.Labels!['binfarm.key'], key);
  t.is(promoted.Config.Labels!['binfarm.tested'], key, 'the passed mark');
  t.is(promoted.Config.Labels!['binfarm.pending-key'], '');
  t.is(promoted.Id, state.image.id);
  t.deepEqual(promoted.Config.Cmd, ['/bin/sh'], 'promotion keeps the image config');
  const tags = (await docker.listImages({ filters: { label: ['binfarm.owned=1'] } })).flatMap((i) => i.RepoTags ?? []).filter((tag) => tag.startsWith(`${env.prefix}/`));
  t.deepEqual(tags.filter((tag) => tag.includes(':pending-')), [], 'the leftover pending tag and the new one are gone');
  const parent = await docker.getImage(promoted.Parent || promoted.Id).inspect();
  t.deepEqual(promoted.RootFS.Layers, parent.RootFS.Layers, 'promotion adds no layer');
  t.is((await docker.listContainers({ all: true, filters: { label: [`binfarm.state=${stateTag(stateDir)}`] } })).length, 0, 'the killed run’s containers were swept');

  const third = await cli('plan', '--docker');
  t.regex(third.stdout, new RegExp(`base\\s+skip\\s+${key.slice(0, 12)}\\s+up to date`), third.stdout);
});

async function waitFor<T>(probe: () => Promise<T | undefined>, child: ReturnType<typeof execa>): Promise<T> {
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v) return v;
    if (child.exitCode !== null) {
      const r = await child;
      throw new Error(`binfarm run ended (exit ${r.exitCode}) before its smoke test:\n${String(r.stdout)}\n${String(r.stderr)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no smoke test container appeared');
}
