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
