import test from 'ava';
import { existsSync, openSync, readFileSync, readlinkSync, closeSync, writeSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { verifyIndex } from '../../core/binhost/verify-index.ts';
import { planRun } from '../../core/plan/plan.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { pipelineEnv } from './helpers.ts';

const GSL = /^sci-libs\/gsl\/gsl-2\.8-\d+\.gpkg\.tar$/;

/** Overwrites the last bytes of a file in place (same inode, same size): bit rot or a careless tool. */
function scribble(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from('CORRUPTED!'), 0, 10, size - 10);
  closeSync(fd);
}

test.serial('a corrupt binpkg: the next run reports and quarantines it, rebuilds the subject that made it, and publishes a complete generation', async (t) => {
  const env = await pipelineEnv(t, 'bhcorrupt');
  const farm = () => env.farm((c) => ((c.targets = ['hep-core']), (c.run = { ...c.run, publish: true })));
  const r1 = await env.run(farm());
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  const stateDir = join(env.dir, 'state');
  const core = (await readSubjectState(stateDir, 'hep-core'))!;
  const gsl = core.packages.find((p) => GSL.test(p))!;
  const pubBase = join(env.dir, 'published', core.partition.rel);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/1');
  const published1 = readFileSync(join(pubBase, 'generations/1', gsl));

  // changed in place in the live partition: the published generation is a copy and keeps its bytes
  scribble(join(core.partition.dir, gsl));
  t.deepEqual(readFileSync(join(pubBase, 'generations/1', gsl)), published1, 'published generations do not share the live file');

  // the plan sees it (stat changed → hashed → differs from the index)
  const plan = await planRun(farm(), [], { offline: true });
  const corePlan = plan.order.find((p) => p.subject.name === 'hep-core')!;
  t.is(corePlan.action, 'build');
  t.is(corePlan.reasons[0]!.change, `binpkg corrupt: ${gsl.replace(/^([^/]+)\/[^/]+\/(.*)\.gpkg\.tar$/, '$1/$2')}`);
  t.is(plan.order.find((p) => p.subject.name === 'base')!.action, 'skip');

  const r2 = await env.run(farm());
  t.is(r2.status, 'done', JSON.stringify(r2.failures));
  t.deepEqual(r2.summary.built, ['hep-core']);
  const log = readFileSync(join(r2.runDir, 'run.log'), 'utf8');
  t.regex(log, /binpkg sci-libs\/gsl-2\.8-\d+ \(sci-libs\/gsl-2\.8\) in partition \S+ is corrupt: MD5 [0-9a-f]{32}, the index says/);
  const quarantined = join(stateDir, 'quarantine', ...core.partition.rel.split('/'), r2.runId, gsl);
  t.true(existsSync(quarantined), 'moved to the quarantine, not deleted');
  t.regex(readFileSync(quarantined, 'latin1'), /CORRUPTED!$/);

  // rebuilt: the partition and the new generation hold a sound gsl again
  await t.notThrowsAsync(verifyIndex(core.partition.dir));
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/2');
  const idx2 = parsePackagesIndex(readFileSync(join(pubBase, 'current', 'Packages'), 'utf8'));
  t.deepEqual(idx2.packages.map((p) => p.CPV).sort(), ['app-misc/hello-2.12.2', 'dev-libs/boost-1.88.0', 'sci-libs/gsl-2.8']);
  await t.notThrowsAsync(verifyIndex(join(pubBase, 'current')));
  t.deepEqual(readFileSync(join(pubBase, 'generations/1', gsl)), published1, 'the rollback target is untouched');

  // a corrupted published file is noticed: a fresh generation instead of "already has this content"
  const core2 = (await readSubjectState(stateDir, 'hep-core'))!;
  const boost = core2.packages.find((p) => p.startsWith('dev-libs/boost/'))!;
  const pubBoost = join(pubBase, 'generations/2', boost);
  rmSync(pubBoost); // read-only: replaced, as a tool or a person would
  const { writeFileSync } = await import('node:fs');
  writeFileSync(pubBoost, 'not a binpkg');
  const r3 = await env.run(farm());
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  t.deepEqual(r3.summary.built, []);
  t.regex(readFileSync(join(r3.runDir, 'run.log'), 'utf8'), /generation 2: dev-libs\/boost\/\S+ \(dev-libs\/boost-1\.88\.0-\d+\) is corrupt: size 12 bytes/);
  t.is(readlinkSync(join(pubBase, 'current')), 'generations/3');
  await t.notThrowsAsync(verifyIndex(join(pubBase, 'current')));
});

test.serial('a binpkg deleted while the index lists it: the next run rebuilds instead of failing', async (t) => {
  const env = await pipelineEnv(t, 'bhdeleted');
  const farm = () => env.farm((c) => (c.targets = ['hep-core']));
  const r1 = await env.run(farm());
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  const core = (await readSubjectState(join(env.dir, 'state'), 'hep-core'))!;
  const boost = core.packages.find((p) => p.startsWith('dev-libs/boost/'))!;
  rmSync(join(core.partition.dir, boost));

  const plan = await planRun(farm(), [], { offline: true });
  t.is(plan.order.find((p) => p.subject.name === 'hep-core')!.reasons[0]!.change, `binpkg missing: dev-libs/${boost.split('/')[2]!.replace(/\.gpkg\.tar$/, '')}`);

  const r2 = await env.run(farm());
  t.is(r2.status, 'done', JSON.stringify(r2.failures));
  t.deepEqual(r2.summary.built, ['hep-core']);
  t.regex(readFileSync(join(r2.runDir, 'run.log'), 'utf8'), /binpkg dev-libs\/boost-1\.88\.0-\d+ \(dev-libs\/boost-1\.88\.0\) in partition \S+ is missing/);
  const idx = parsePackagesIndex(readFileSync(join(core.partition.dir, 'Packages'), 'utf8'));
  t.true(idx.packages.some((p) => p.CPV === 'dev-libs/boost-1.88.0'), 'rebuilt into the partition');
  await t.notThrowsAsync(verifyIndex(core.partition.dir));
  const r3 = await env.run(farm());
  t.deepEqual(r3.summary.built, [], 'and up to date afterwards');
});
