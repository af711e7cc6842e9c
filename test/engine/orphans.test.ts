import test from 'ava';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepOrphans } from '../../core/engine/orphans.ts';
import { runRecordPath, type RunRecord } from '../../core/engine/run-record.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { tempDir, testEngine } from './helpers.ts';

async function deadPid(): Promise<number> {
  const p = execa('true');
  await p;
  return p.pid!;
}

test.serial('sweepOrphans removes what a dead run left, and nothing else', async (t) => {
  const image = await stage3FixtureImage();
  const docker = await dockerForTests();
  const stateDir = await tempDir(t);
  const otherState = await tempDir(t);

  // The "dead" run: objects created, then its process vanished without cleanup.
  const dead = await testEngine(t, { tag: 'dead', stateDir });
  const deadContainer = await dead.start({ image, cmd: ['sleep', '600'] });
  const deadVolume = await dead.createVolume(`binfarm-test-${dead.runId}`);
  const leftoverDir = join(stateDir, 'leftover');
  await mkdir(leftoverDir);
  dead.onCleanup(() => undefined, { kind: 'dir', path: leftoverDir });
  await new Promise((r) => setTimeout(r, 100));
  const recordPath = runRecordPath(stateDir, dead.runId);
  const record = JSON.parse(await readFile(recordPath, 'utf8')) as RunRecord;
  t.deepEqual(record.resources, [{ kind: 'dir', path: leftoverDir }]);
  await writeFile(recordPath, JSON.stringify({ ...record, pid: await deadPid() }));

  // Objects that must survive: a live run in the same state dir, a run of another state dir,
  // a cache volume, and an unlabelled container.
  const live = await testEngine(t, { tag: 'live', stateDir });
  const liveContainer = await live.start({ image, cmd: ['sleep', '600'] });
  const foreign = await testEngine(t, { tag: 'foreign', stateDir: otherState });
  const foreignContainer = await foreign.start({ image, cmd: ['sleep', '600'] });
  const cacheVolume = await live.createVolume(`binfarm-test-cache-${live.runId}`, { cache: 'test' });
  t.teardown(() => live.removeVolume(cacheVolume));
  const plain = await docker.createContainer({ Image: image, Cmd: ['sleep', '600'], Labels: { 'binfarm.test': 'unlabelled-by-binfarm' } });
  t.teardown(() => plain.remove({ force: true }));

  const report = await sweepOrphans(live, stateDir);
  t.deepEqual(report.runs, [dead.runId]);
  t.deepEqual(report.containers, [deadContainer.id]);
  t.deepEqual(report.volumes, [deadVolume]);
  t.deepEqual(report.resources, [{ kind: 'dir', path: leftoverDir }]);
  t.deepEqual(report.problems, []);
  t.false(existsSync(leftoverDir));
  t.false(existsSync(recordPath), 'the dead run record is gone');
  for (const id of [liveContainer.id, foreignContainer.id, plain.id]) t.truthy(await docker.getContainer(id).inspect());
  const vols = (await docker.listVolumes()).Volumes.map((v) => v.Name);
  t.true(vols.includes(cacheVolume));

  // A second sweep finds nothing.
  const again = await sweepOrphans(live, stateDir);
  t.deepEqual([again.containers, again.volumes, again.runs], [[], [], []]);
});

test.serial('a clean cleanup removes the run record', async (t) => {
  const stateDir = await tempDir(t);
  const engine = await testEngine(t, { tag: 'record', stateDir });
  t.true(existsSync(runRecordPath(stateDir, engine.runId)));
  await engine.cleanup();
  t.false(existsSync(runRecordPath(stateDir, engine.runId)));
});

test.serial('a container started from a committed image is not taken for a dead run', async (t) => {
  const image = await stage3FixtureImage();
  const docker = await dockerForTests();
  const stateDir = await tempDir(t);

  // A finished run committed a product image from its build container, then went away.
  const builder = await testEngine(t, { tag: 'commit', stateDir });
  const build = await builder.start({ image, cmd: ['sleep', '600'] });
  const repo = `binfarm-test/committed-${builder.runId}`;
  const id = await build.commit({ repo, tag: 'v1', labels: { 'binfarm.owned': '1', 'binfarm.key': 'k' } });
  t.teardown(() => docker.getImage(id).remove({ force: true }).catch(() => undefined));
  const labels = (await docker.getImage(id).inspect()).Config.Labels ?? {};
  t.is(labels['binfarm.run'], '', 'the run id is blanked in the image');
  t.is(labels['binfarm.key'], 'k');
  const recordPath = runRecordPath(stateDir, builder.runId);
  const record = JSON.parse(await readFile(recordPath, 'utf8')) as RunRecord;
  await writeFile(recordPath, JSON.stringify({ ...record, pid: await deadPid() }));

  // A user runs the image by hand, outside binfarm.
  const user = await docker.createContainer({ Image: id, Cmd: ['sleep', '600'] });
  t.teardown(() => user.remove({ force: true }).catch(() => undefined));
  await user.start();

  const sweeper = await testEngine(t, { tag: 'sweeper', stateDir });
  const report = await sweepOrphans(sweeper, stateDir);
  t.deepEqual(report.containers, [build.id], 'only the dead build container is swept');
  t.truthy(await user.inspect(), "the user's container survives");
});
