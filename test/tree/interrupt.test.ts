import test, { type ExecutionContext } from 'ava';
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { sweepOrphans } from '../../core/engine/orphans.ts';
import { runRecordPath } from '../../core/engine/run-record.ts';
import { captureLogger, tempDir, testRunId } from '../engine/helpers.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { isMounted, loopsOf, smallTree } from './helpers.ts';

interface Held {
  runId: string;
  sqfs: string;
  mountDir: string;
  container: string;
  volume: string;
}

async function startChild(t: ExecutionContext, mode?: string): Promise<{ child: ResultPromise; held: Held; stateDir: string }> {
  const tree = await smallTree(t, { seed: 31 });
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const image = await stage3FixtureImage();
  const child = execa('node', ['--import=tsx', 'test/tree/interrupt-child.ts', stateDir, join(dir, 'cache'), tree.dir, image, ...(mode ? [mode] : [])], {
    reject: false,
    buffer: { stdout: false },
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let buf = '';
  const held = await new Promise<Held>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /^READY (.*)$/m.exec(buf);
      if (m) resolve(JSON.parse(m[1]!) as Held);
    });
    child.then((r) => reject(new Error(`child exited early (${r.exitCode}): ${String(r.stderr)}`)), reject);
  });
  return { child, held, stateDir };
}

async function leftovers(held: Held) {
  const docker = await dockerForTests();
  const containers = await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${held.runId}`] } });
  const volumes = (await docker.listVolumes({ filters: { label: [`binfarm.run=${held.runId}`] } })).Volumes ?? [];
  return { containers: containers.length, volumes: volumes.length, loops: (await loopsOf(held.sqfs)).length, mounted: await isMounted(held.mountDir) };
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test.serial(`${signal}: the run exits ${code} and leaves no containers, volumes, loop devices or mounts`, async (t) => {
    const { child, held, stateDir } = await startChild(t);
    t.deepEqual(await leftovers(held), { containers: 1, volumes: 1, loops: 1, mounted: true }, 'the child holds everything');
    child.kill(signal);
    const r = await child;
    t.is(r.exitCode, code, String(r.stderr));
    t.regex(String(r.stderr), new RegExp(`${signal} received: stopping the run and cleaning up`));
    t.deepEqual(await leftovers(held), { containers: 0, volumes: 0, loops: 0, mounted: false });
    t.false(existsSync(held.mountDir));
    t.false(existsSync(runRecordPath(stateDir, held.runId)), 'a clean exit removes the run record');
  });
}

test.serial('a second Ctrl-C exits at once; SIGKILL leftovers are released by the next run\'s sweep', async (t) => {
  const { child, held, stateDir } = await startChild(t, 'slow-cleanup');
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  child.kill('SIGINT');
  const r = await child;
  t.is(r.exitCode, 130);
  t.true(Date.now() - t0 < 5000);
  t.regex(String(r.stderr), /SIGINT again: exiting without waiting for cleanup/);

  // Worst case: killed outright while holding everything.
  const second = await startChild(t);
  second.child.kill('SIGKILL');
  await second.child;
  t.deepEqual(await leftovers(second.held), { containers: 1, volumes: 1, loops: 1, mounted: true });

  const engine = await createEngine({ docker: {} }, testRunId('sweeper'), captureLogger(), { stateDir: second.stateDir });
  t.teardown(() => engine.cleanup());
  const report = await sweepOrphans(engine, second.stateDir);
  t.deepEqual(report.problems, []);
  t.deepEqual(report.runs, [second.held.runId]);
  t.deepEqual(await leftovers(second.held), { containers: 0, volumes: 0, loops: 0, mounted: false });
  t.false(existsSync(second.held.mountDir));

  // The first child's cleanup was cut short: whatever it left is swept the same way.
  const e1 = await createEngine({ docker: {} }, testRunId('sweeper'), captureLogger(), { stateDir });
  t.teardown(() => e1.cleanup());
  await sweepOrphans(e1, stateDir);
  t.deepEqual(await leftovers(held), { containers: 0, volumes: 0, loops: 0, mounted: false });
});
