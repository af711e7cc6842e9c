/**
 * `binfarm run --pull` with a floating stage3 tag in a real registry (docker-registry on
 * 127.0.0.1, htpasswd auth through the Docker config): the tag moves to another image in the
 * registry; a run without --pull keeps the stage3 it has (the base is up to date), a run with
 * --pull re-pulls it, says that it moved, and rebuilds the base on the new digest.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { collectingReporter, type RunEvent } from '../../core/run/progress/events.ts';
import { startRegistry } from '../engine/registry.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { pipelineEnv } from './helpers.ts';

async function push(docker: Docker, ref: string, auth: { username: string; password: string; serveraddress: string }): Promise<void> {
  const stream = await docker.getImage(ref).push({ authconfig: auth });
  const events = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`push ${ref}: ${failed.error}`);
}

test.serial('run --pull re-resolves a floating stage3 tag that moved in a registry and rebuilds the base; without --pull nothing moves', async (t) => {
  t.timeout(20 * 60_000);
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const auth = { username: registry.user, password: registry.password, serveraddress: registry.host };
  const configDir = mkdtempSync(join(tmpdir(), 'binfarm-dockercfg-'));
  t.teardown(() => rmSync(configDir, { recursive: true, force: true }));
  writeFileSync(
    join(configDir, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.user}:${registry.password}`).toString('base64') } } }),
  );
  const prev = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = configDir;
  t.teardown(() => {
    if (prev === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = prev;
  });

  const env = await pipelineEnv(t, 'pull');
  const docker = await dockerForTests();
  const repo = `${registry.host}/gentoo/stage3`;
  const tag = `floating-${process.pid}`;
  const ref = `${repo}:${tag}`;
  const moved: string[] = [];
  t.teardown(async () => {
    for (const r of [ref, ...moved])
      await docker
        .getImage(r)
        .remove({ force: true })
        .catch(() => undefined);
  });
  await docker.getImage(env.stage3).tag({ repo, tag });
  await push(docker, ref, auth);
  await docker.getImage(ref).remove();

  const farm = () => env.farm((c) => (c.stage3 = { type: 'registry', image: ref }));
  const run = async (pull: boolean) => {
    const events: RunEvent[] = [];
    const r = await env.run(farm(), { targets: ['base'], pull, reporter: collectingReporter(events) });
    t.is(r.status, 'done', JSON.stringify(r.failures));
    const logs = events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
    return { r, logs };
  };

  const first = await run(false);
  t.deepEqual(first.r.summary.built, ['base']);
  const oldId = (await docker.getImage(ref).inspect()).Id;

  // The tag moves in the registry: another image (the same files, one more label) pushed under it.
  const c = await docker.createContainer({ Image: env.stage3, Cmd: ['true'] });
  const newId = ((await c.commit({ repo, tag, changes: ['LABEL binfarm.test.moved=1'] })) as { Id: string }).Id;
  await c.remove();
  moved.push(newId);
  t.not(newId, oldId);
  await push(docker, ref, auth);
  // This machine still holds the old image under the tag, as after the last pull.
  await docker.getImage(oldId).tag({ repo, tag });

  const without = await run(false);
  t.deepEqual(without.r.summary.built, [], 'without --pull the stage3 present here is used: nothing moved');

  const pulled = await run(true);
  t.deepEqual(pulled.r.summary.built, ['base'], 'the base is rebuilt on the moved stage3');
  t.is((await docker.getImage(ref).inspect()).Id, newId, 'the pull moved the local tag');
  t.true(
    pulled.logs.some((l) => l.includes(`stage3 ${ref} moved: `)),
    pulled.logs.join('\n'),
  );
  const base = pulled.r.plan.order.find((s) => s.subject.name === 'base')!;
  t.is(base.action, 'build');
  t.true(
    base.reasons.some((r) => r.input === 'stage3'),
    JSON.stringify(base.reasons),
  );

  // And it stays put: the next --pull finds the tag where it is, nothing to rebuild.
  const again = await run(true);
  t.deepEqual(again.r.summary.built, []);
});
