import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests } from '../helpers/docker.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { planRun } from '../../core/plan/plan.ts';
import { pipelineEnv, readCalls } from './helpers.ts';

const names = (xs: string[]) => [...xs].sort();

test.serial('two-subject DAG: first run builds all, second skips all, a USE change rebuilds that subject and its children only', async (t) => {
  const env = await pipelineEnv(t, 'dag');
  const docker = await dockerForTests();

  // ── first run ─────────────────────────────────────────────────────────────
  const withBootstrap = () => env.farm((c) => (c.base = { ...c.base, updateWorld: true }));
  const r1 = await env.run(withBootstrap());
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  t.deepEqual(names(r1.summary.built), ['analysis', 'base', 'hep-core', 'mc-sim']);

  // the fixture emerge recorded what binfarm ran: argv, environment, mounts
  const [call] = readCalls(r1.runDir, 'hep-core');
  t.deepEqual(call!.argv, [
    'emerge', '--buildpkg', '--usepkg', '--binpkg-respect-use=y', '--binpkg-changed-deps=y', '--with-bdeps=y',
    '--keep-going', '--jobs=2', '--nospinner', '--color=n', '--verbose', '@hep-core',
  ]);
  t.is(call!.env.MAKEOPTS, '-j3');
  const mount = (target: string) => call!.mounts.find((m) => m.target === target);
  t.regex(mount('/var/db/repos/gentoo')!.options, /^ro[,]/, 'the tree is read-only');
  t.regex(mount('/var/cache/binpkgs')!.options, /^rw[,]/);
  t.truthy(mount('/var/cache/distfiles'));
  t.truthy(mount('/var/log/portage'));
  const baseCalls = readCalls(r1.runDir, 'base');
  t.deepEqual(baseCalls[0]!.argv.slice(-4), ['--update', '--deep', '--newuse', '@world']);
  t.deepEqual(baseCalls[1]!.argv.slice(0, 8), ['emerge', '--buildpkg', '--usepkg', '--binpkg-respect-use=y', '--binpkg-changed-deps=y', '--with-bdeps=y', '--keep-going', '--jobs=2']);
  t.deepEqual(baseCalls.map((c) => c.argv.at(-1)), ['@world', '@hf-base'], 'bootstrap: world update, then the base sets');

  // state, partition and index
  const stateDir = join(env.dir, 'state');
  const core = (await readSubjectState(stateDir, 'hep-core'))!;
  t.deepEqual(names(core.built), ['dev-libs/boost-1.88.0', 'sci-libs/gsl-2.8']);
  t.true(core.partition.rel.startsWith('amd64/default/linux/amd64/23.0/opt-'), core.partition.rel);
  t.true(core.packages.every((p) => existsSync(join(core.partition.dir, p))));
  const index = parsePackagesIndex(readFileSync(join(core.partition.dir, 'Packages'), 'utf8'));
  t.deepEqual(names(index.packages.map((p) => p.CPV!)), ['app-misc/hello-2.12.2', 'dev-libs/boost-1.88.0', 'sci-libs/gsl-2.8', 'sci-physics/geant4-11.3.2', 'sci-physics/root-6.36.0']);
  t.like(core.content?.['file:make.conf'], { vars: { MAKEOPTS: undefined } }, 'the state keeps the keyed make.conf variables, tuning knobs left out');
  t.truthy((core.content?.['file:make.conf'] as { vars: Record<string, string> }).vars.CFLAGS);
  const mc = (await readSubjectState(stateDir, 'mc-sim'))!;
  t.deepEqual(mc.binary, ['sci-libs/gsl-2.8'], 'mc-sim reused the binpkg hep-core built');
  t.deepEqual(mc.built, ['sci-physics/geant4-11.3.2']);

  // the image: labels, restored CMD, and no tree/distfiles/binpkgs inside
  const img = await docker.getImage(core.image.ref).inspect();
  const labels = img.Config.Labels ?? {};
  t.is(labels['binfarm.key'], core.key);
  t.is(labels['binfarm.parent'], (await readSubjectState(stateDir, 'base'))!.key);
  t.is(labels['binfarm.packages'], 'dev-libs/boost-1.88.0 sci-libs/gsl-2.8');
  t.is(labels['binfarm.portage-version'], 'fixture-1');
  t.is(core.image.ref, `${env.prefix}/hep-core:${core.key.slice(0, 12)}`);
  // `:latest` names the newest good build, so `docker run <prefix>/hep-core` needs no key
  t.is((await docker.getImage(`${env.prefix}/hep-core:latest`).inspect()).Id, img.Id);
  t.deepEqual(img.Config.Cmd, ['/bin/sh']);
  t.falsy(img.Config.Entrypoint);
  const c = await docker.createContainer({
    Image: core.image.ref,
    Cmd: ['sh', '-c', 'for d in /var/db/repos/gentoo /var/cache/binpkgs /var/cache/distfiles; do echo "$d $(ls -A $d 2>/dev/null | wc -l)"; done; cat /usr/share/binfarm-fixture/sci-libs/gsl; grep "^collector:" /etc/passwd; ls -d /home/collector'],
    Tty: true,
    Labels: { 'binfarm.owned': '1', 'binfarm.test': 'pipeline' },
  });
  t.teardown(() => c.remove({ force: true }).catch(() => undefined));
  await c.start();
  await c.wait();
  const out = (await c.logs({ stdout: true, stderr: true })).toString('utf8').replace(/\r/g, '');
  t.regex(out, /^\/var\/db\/repos\/gentoo 0$/m, `the tree is not in the image: ${out}`);
  t.regex(out, /^\/var\/cache\/binpkgs 0$/m, 'the binpkgs are not in the image');
  t.regex(out, /^\/var\/cache\/distfiles 0$/m, 'the distfiles are not in the image');
  t.regex(out, /sci-libs\/gsl-2\.8 USE=""/, 'what emerge installed is');
  t.regex(out, /^collector:x:1000:1000::\/home\/collector:\/bin\/sh$/m, 'the base bootstrap created the build user');
  t.regex(out, /^\/home\/collector$/m);

  // ── second run: nothing to do, though tuning knobs changed and a report plugin was added ──
  let reported = 0;
  const reporter = { name: 'report', version: '1.0.0', apply: (f: import('../../core/farm.ts').Farm) => f.hooks.done.tapPromise('report', async () => void reported++) };
  const t0 = performance.now();
  const r2 = await env.run(
    env.farm((c) => {
      c.base = { ...c.base, updateWorld: true };
      c.portage = { ...c.portage, makeopts: '-j16', features: ['parallel-fetch'] };
      c.run = { ...c.run, jobs: 4 };
      c.plugins = [reporter];
    }),
  );
  t.is(r2.status, 'done');
  t.deepEqual(r2.summary.built, []);
  t.deepEqual(names(r2.summary.skipped), ['analysis', 'base', 'hep-core', 'mc-sim']);
  t.is(reported, 1, 'the report plugin ran');
  t.log(`no-op run: ${Math.round(performance.now() - t0)} ms`);

  // ── a USE change in hep-core ──────────────────────────────────────────────
  const changed = env.farm((c) => {
    c.base = { ...c.base, updateWorld: true };
    (c.subjects!['hep-core']!.sets!['hep-core']!['dev-libs/boost'] as { use: string[] }).use = ['python', 'numpy'];
  });
  const plan = await planRun(changed, [], { offline: true });
  t.deepEqual(Object.fromEntries(plan.order.map((p) => [p.subject.name, p.action])), { base: 'skip', 'hep-core': 'build', 'mc-sim': 'skip', analysis: 'build' });
  t.deepEqual(plan.order[1]!.reasons.find((r) => r.input.startsWith('file:package.use/'))?.details, ['-dev-libs/boost python', '+dev-libs/boost python numpy']);
  const r3 = await env.run(changed);
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  t.deepEqual(names(r3.summary.built), ['analysis', 'hep-core']);
  t.deepEqual(names(r3.summary.skipped), ['base', 'mc-sim']);
  const core3 = (await readSubjectState(stateDir, 'hep-core'))!;
  t.deepEqual(core3.built, ['dev-libs/boost-1.88.0'], 'only boost (new USE) is rebuilt');
  t.deepEqual(core3.binary, ['sci-libs/gsl-2.8'], 'gsl comes from its binpkg');
  t.not(core3.key, core.key);

  // an image deleted behind binfarm's back is noticed by the plan (which asks Docker)
  const analysis = (await readSubjectState(stateDir, 'analysis'))!;
  // by id: the image also carries `:latest`, and removing one tag would leave the image in place
  await docker.getImage(analysis.image.id).remove({ force: true });
  const { createEngine } = await import('../../core/engine/docker-engine.ts');
  const engine = await createEngine(changed.options, `plan-${process.pid}`, changed.getLogger('test'));
  const plan4 = await planRun(changed, ['analysis'], { engine: async () => engine });
  t.true(plan4.checkedImages);
  t.deepEqual(plan4.order.map((p) => `${p.subject.name}:${p.action}`), ['base:skip', 'hep-core:skip', 'analysis:build']);
  t.deepEqual(plan4.order[2]!.reasons, [{ input: 'image', change: 'image missing', before: analysis.image.ref }]);
  t.is(plan4.order[1]!.image?.ref, core3.image.ref, 'a skipped parent hands its image to the child');
});
