/**
 * The state directory's subject records are lost (deleted, a new checkout) while the images exist:
 * the plan recovers each subject's tree slice from its image's `binfarm.packages` label
 * (core/plan/tree-input.ts) and its key finds that image (core/plan/plan.ts), so nothing is
 * rebuilt; a tree edit of a package one subject installed still rebuilds that subject and its
 * descendants only, as it would with the records in place.
 */
import test from 'ava';
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineEnv } from './helpers.ts';

const names = (xs: string[]) => [...xs].sort();

function loseStates(stateDir: string): string[] {
  const dir = join(stateDir, 'subjects');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  for (const f of files) rmSync(join(dir, f));
  return files;
}

test.serial('state files lost, images kept: nothing is rebuilt; a tree edit then rebuilds only the subjects that installed the package', async (t) => {
  t.timeout(20 * 60_000);
  const env = await pipelineEnv(t, 'lost');
  const stateDir = join(env.dir, 'state');

  const r1 = await env.run(env.farm());
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  t.deepEqual(names(r1.summary.built), ['analysis', 'base', 'hep-core', 'mc-sim']);

  t.deepEqual(names(loseStates(stateDir)), ['analysis.json', 'base.json', 'hep-core.json', 'mc-sim.json']);
  const r2 = await env.run(env.farm());
  t.is(r2.status, 'done', JSON.stringify(r2.failures));
  t.deepEqual(r2.summary.built, [], 'every subject found by its image: the tree slices came from the images');
  for (const s of r2.plan.order) {
    t.is(s.action, 'skip', `${s.subject.name}: ${JSON.stringify(s.reasons)}`);
    t.is(s.image?.id, r1.builds.get(s.subject.name)?.image?.id, `${s.subject.name} uses the image built by the first run`);
  }

  // Still without records: dev-libs/boost is installed by hep-core only.
  t.false(existsSync(join(stateDir, 'subjects', 'hep-core.json')));
  appendFileSync(join(env.treeDir, 'dev-libs/boost/boost-1.88.0.ebuild'), 'IUSE="python numpy"\n');
  const r3 = await env.run(env.farm());
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  t.deepEqual(names(r3.summary.built), ['analysis', 'hep-core']);
  const core = r3.plan.order.find((s) => s.subject.name === 'hep-core')!;
  t.is(core.action, 'build');
  t.true(existsSync(join(stateDir, 'subjects', 'hep-core.json')), 'a rebuilt subject has its record again');
});
