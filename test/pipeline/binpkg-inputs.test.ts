import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests } from '../helpers/docker.ts';
import { readSubjectState } from '../../core/plan/state.ts';
import { readInputsRecord } from '../../core/binhost/inputs-record.ts';
import { NO_INPUTS } from '../../core/binhost/binpkg-inputs.ts';
import type { BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { pipelineEnv, readCalls } from './helpers.ts';

const PATCH_1 = '--- a/hello.c\n+++ b/hello.c\n@@ -1 +1 @@\n-old\n+new\n';
const PATCH_2 = '--- a/hello.c\n+++ b/hello.c\n@@ -1 +1 @@\n-old\n+newer\n';

/** The base alone: app-misc/hello (with per-package inputs) and sci-libs/gsl (a USE knob to make the base stale otherwise). */
function base(hello: Record<string, unknown>, gslUse: string[] = [], envConf = 'CFLAGS="-O2 -g"\n') {
  return (c: BinfarmConfigInput) => {
    c.subjects = {};
    c.base = {
      sets: { 'hf-base': { 'app-misc/hello': hello, 'sci-libs/gsl': { use: gslUse } } },
      portage: { files: { 'env/debug.conf': envConf } },
    };
  };
}

async function installedHello(ref: string): Promise<string> {
  const docker = await dockerForTests();
  const c = await docker.createContainer({ Image: ref, Cmd: ['cat', '/usr/share/binfarm-fixture/app-misc/hello'], Tty: true, Labels: { 'binfarm.owned': '1', 'binfarm.test': 'pipeline' } });
  try {
    await c.start();
    await c.wait();
    return (await c.logs({ stdout: true, stderr: true })).toString('utf8').replace(/\r/g, '');
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

const md5 = async (s: string) => (await import('node:crypto')).createHash('md5').update(s).digest('hex');

test.serial('a patch change rebuilds the package from source; unchanged patches reuse its binpkg; removed patches rebuild it', async (t) => {
  t.timeout(8 * 60_000, 'four farm runs against the real dockerd');
  const env = await pipelineEnv(t, 'inputs');
  const stateDir = join(env.dir, 'state');
  const hello = async () => (await readSubjectState(stateDir, 'base'))!;

  // 1: hello with a patch, built from source; its binpkg's inputs are recorded
  const r1 = await env.run(env.farm(base({ patches: { '0001-fix.patch': PATCH_1 } })));
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  const s1 = await hello();
  t.deepEqual(s1.built.sort(), ['app-misc/hello-2.12.2', 'sci-libs/gsl-2.8']);
  const rec1 = await readInputsRecord(s1.partition.dir);
  const helloRec1 = Object.values(rec1.binpkgs).find((e) => e.cpv === 'app-misc/hello-2.12.2')!;
  t.truthy(helloRec1.parts.patches, 'the patch is part of the recorded inputs');
  t.is(Object.values(rec1.binpkgs).find((e) => e.cpv === 'sci-libs/gsl-2.8')!.digest, NO_INPUTS);
  t.regex(await installedHello(s1.image.ref), new RegExp(`^patch 0001-fix.patch ${await md5(PATCH_1)}$`, 'm'));

  // 2: the patch changes → hello is rebuilt from source, not reused (USE and deps are the same)
  const r2 = await env.run(env.farm(base({ patches: { '0001-fix.patch': PATCH_2 } })));
  t.is(r2.status, 'done', JSON.stringify(r2.failures));
  const s2 = await hello();
  t.deepEqual(s2.built, ['app-misc/hello-2.12.2'], 'built 1');
  t.deepEqual(s2.binary, ['sci-libs/gsl-2.8'], 'gsl has no per-package inputs: reused');
  const calls2 = readCalls(r2.runDir, 'base');
  const real2 = calls2.filter((c) => !c.argv.includes('--pretend'));
  t.true(calls2.some((c) => c.argv.includes('--pretend')), 'Portage was asked which binpkgs it would reuse');
  t.deepEqual(real2.at(-1)!.argv.slice(-3), ['@hf-base', '--usepkg-exclude', 'app-misc/hello']);
  t.regex(await installedHello(s2.image.ref), new RegExp(`^patch 0001-fix.patch ${await md5(PATCH_2)}$`, 'm'), 'the image has the new patch');
  const rec2 = await readInputsRecord(s2.partition.dir);
  const helloRecs = Object.values(rec2.binpkgs).filter((e) => e.cpv === 'app-misc/hello-2.12.2');
  t.is(helloRecs.length, 2, 'a second instance, recorded with the new digest');
  t.not(helloRecs.find((e) => e.runId === r2.runId)!.digest, helloRec1.digest);
  const note2 = r2.builds.get('base')!.phases.find((p) => p.phase === 'emerge')!.note!;
  t.is(note2, 'built 1, reused 1 binary package; rebuilt from source, not from binpkgs: app-misc/hello (patches changed since its binpkg was built)');
  t.regex(readFileSync(join(r2.runDir, 'base.log'), 'utf8'), /rebuilding from source, not from its binpkg: app-misc\/hello: patches changed since its binpkg was built/);

  // 3: the patches unchanged, the base rebuilt for another reason → hello is reused
  const r3 = await env.run(env.farm(base({ patches: { '0001-fix.patch': PATCH_2 } }, ['gsl-extra'])));
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  const s3 = await hello();
  t.deepEqual(s3.built, ['sci-libs/gsl-2.8']);
  t.deepEqual(s3.binary, ['app-misc/hello-2.12.2'], 'reused: built from the current patches');
  t.false(readCalls(r3.runDir, 'base').some((c) => c.argv.includes('--usepkg-exclude')));

  // 4: the patches removed → rebuilt
  const r4 = await env.run(env.farm(base({}, ['gsl-extra'])));
  t.is(r4.status, 'done', JSON.stringify(r4.failures));
  const s4 = await hello();
  t.deepEqual(s4.built, ['app-misc/hello-2.12.2'], 'patches removed: rebuilt');
  t.notRegex(await installedHello(s4.image.ref), /^patch /m);

});

test.serial('a package.env change (the env file it names) rebuilds the package; unchanged, its binpkg is reused', async (t) => {
  t.timeout(8 * 60_000, 'three farm runs against the real dockerd');
  const env = await pipelineEnv(t, 'inputs-env');
  const stateDir = join(env.dir, 'state');
  const hello = async () => (await readSubjectState(stateDir, 'base'))!;
  const r1 = await env.run(env.farm(base({ env: ['debug.conf'] })));
  t.is(r1.status, 'done', JSON.stringify(r1.failures));
  t.regex(await installedHello((await hello()).image.ref), new RegExp(`^env debug.conf ${await md5('CFLAGS="-O2 -g"\n')}$`, 'm'));

  const r2 = await env.run(env.farm(base({ env: ['debug.conf'] }, [], 'CFLAGS="-O3 -g"\n')));
  t.is(r2.status, 'done', JSON.stringify(r2.failures));
  const s2 = await hello();
  t.deepEqual(s2.built, ['app-misc/hello-2.12.2'], 'env file changed: rebuilt');
  t.deepEqual(s2.binary, ['sci-libs/gsl-2.8']);
  t.regex(await installedHello(s2.image.ref), new RegExp(`^env debug.conf ${await md5('CFLAGS="-O3 -g"\n')}$`, 'm'));
  t.regex(r2.builds.get('base')!.phases.find((p) => p.phase === 'emerge')!.note!, /app-misc\/hello \(package\.env changed since its binpkg was built\)/);

  const r3 = await env.run(env.farm(base({ env: ['debug.conf'] }, ['gsl-extra'], 'CFLAGS="-O3 -g"\n')));
  t.is(r3.status, 'done', JSON.stringify(r3.failures));
  t.deepEqual((await hello()).binary, ['app-misc/hello-2.12.2'], 'package.env unchanged: reused');
  t.deepEqual((await hello()).built, ['sci-libs/gsl-2.8']);
});
