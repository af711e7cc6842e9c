/**
 * Sources resolved before the plan and tree slices in content keys, end to end (real dockerd,
 * fixture emerge, a `dir` tree): an edit of a package one subject emerged rebuilds that subject
 * and its descendants in one run; an edit no subject emerged rebuilds nothing; plan answers the
 * same whatever targets are named; a re-tagged local stage3 makes the base stale.
 */
import test from 'ava';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planRun } from '../../core/plan/plan.ts';
import { createEngine } from '../../core/engine/docker-engine.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { pipelineEnv } from './helpers.ts';

const names = (xs: string[]) => [...xs].sort();
const actions = (p: Awaited<ReturnType<typeof planRun>>) => Object.fromEntries(p.order.map((s) => [s.subject.name, s.action]));

test.serial('a dir tree edit rebuilds the subjects that emerged the package (one run); other edits nothing; plan agrees for any targets', async (t) => {
  t.timeout(20 * 60_000);
  const env = await pipelineEnv(t, 'slice');
  const docker = await dockerForTests();
  // A stage3 tag of this test's own, so it can be moved to another image.
  const stage3Ref = `${env.prefix}-stage3:cur`;
  await docker.getImage(env.stage3).tag({ repo: `${env.prefix}-stage3`, tag: 'cur' });
  t.teardown(() => docker.getImage(stage3Ref).remove({ force: true }).then(() => undefined, () => undefined));
  const farm = () => env.farm((c) => (c.stage3 = { type: 'local', image: stage3Ref }));
  const engineOf = (f: ReturnType<typeof farm>) => {
    let e: ReturnType<typeof createEngine> | undefined;
    return () => (e ??= createEngine(f.options, `plan-${process.pid}`, f.getLogger('test'), { rootDir: f.rootDir }));
  };

  const r1 = await env.run(farm());
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  t.deepEqual(names(r1.summary.built), ['analysis', 'base', 'hep-core', 'mc-sim']);

  // dev-libs/boost is emerged by hep-core only: hep-core and its child analysis are stale.
  appendFileSync(join(env.treeDir, 'dev-libs/boost/boost-1.88.0.ebuild'), 'IUSE="python numpy"\n');
  const f2 = farm();
  const all = await planRun(f2, [], { engine: engineOf(f2), explain: true });
  t.deepEqual(actions(all), { base: 'skip', 'hep-core': 'build', 'mc-sim': 'skip', analysis: 'build' });
  const core = all.order.find((p) => p.subject.name === 'hep-core')!;
  t.deepEqual(core.reasons.map((r) => `${r.input}: ${r.change}`), ['tree: dev-libs/boost changed']);
  for (const targets of [['mc-sim'], ['analysis'], ['hep-core', 'mc-sim']]) {
    const p = await planRun(f2, targets, { engine: engineOf(f2) });
    for (const s of p.order) t.is(s.action as string, actions(all)[s.subject.name] as string, `${s.subject.name} with targets ${targets.join(',')}`);
  }
  // Offline plan (no Docker) agrees too: the dir tree is resolved without it.
  t.deepEqual(actions(await planRun(f2, [], { offline: true })), actions(all));

  const r2 = await env.run(f2);
  t.is(r2.status, 'done', JSON.stringify(r2.failures));
  t.deepEqual(names(r2.summary.built), ['analysis', 'hep-core'], 'one run propagates the edit');

  // A package nobody emerged, an eclass nobody inherits, a description: nothing to rebuild.
  mkdirSync(join(env.treeDir, 'dev-util/unused'), { recursive: true });
  writeFileSync(join(env.treeDir, 'dev-util/unused/unused-1.0.ebuild'), 'EAPI=8\n');
  appendFileSync(join(env.treeDir, 'sci-physics/geant4/metadata.xml'), '<pkgmetadata/>\n');
  const r3 = await env.run(farm());
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  t.deepEqual(r3.summary.built, []);

  // A new version of sci-libs/gsl: hep-core built it, mc-sim reused its binpkg; both are stale.
  writeFileSync(join(env.treeDir, 'sci-libs/gsl/gsl-2.9.ebuild'), 'EAPI=8\n');
  const f4 = farm();
  const p4 = await planRun(f4, ['mc-sim'], { engine: engineOf(f4), explain: true });
  t.deepEqual(actions(p4), { base: 'skip', 'mc-sim': 'build' });
  t.deepEqual(p4.order[1]!.reasons.map((r) => `${r.input}: ${r.change}`), ['tree: sci-libs/gsl 2.8 → 2.8 2.9']);

  // The same stage3 name on another image (a re-tag): the base and everything on it are stale.
  const c = await docker.createContainer({ Image: env.stage3, Cmd: ['/bin/true'], Labels: { 'binfarm.owned': '1' } });
  t.teardown(() => c.remove({ force: true }).catch(() => undefined));
  const moved = await c.commit({ repo: `${env.prefix}-stage3`, tag: 'cur', changes: ['LABEL binfarm.test.retag=1'] });
  t.teardown(() => docker.getImage(moved.Id).remove({ force: true }).then(() => undefined, () => undefined));
  const f5 = farm();
  const p5 = await planRun(f5, ['base'], { engine: engineOf(f5), explain: true });
  t.is(p5.order[0]!.action, 'build');
  t.deepEqual(p5.order[0]!.reasons.map((r) => r.input), ['stage3']);
});
