/**
 * Assembly end to end on the real Docker engine: the fixture subjects are built by the real
 * runner (fixture emerge writing GPKG binpkgs into the partition), then assembled with the
 * fixture emerge's --usepkgonly mode, which installs from those binpkgs only.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleImage } from '../../core/assemble/assemble.ts';
import { collectingAssembleReporter } from '../../core/assemble/progress.ts';
import type { BinfarmError } from '../../core/errors.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { assembleEnv, buildScience, imagePaths, runIn, type AssembleEnv } from './_env.ts';
import { readCalls } from '../pipeline/helpers.ts';
import { startRegistry } from '../engine/registry.ts';
import { dateTag } from '../../core/publish/registry.ts';
import { createHash } from 'node:crypto';
import { readLocalAttestation } from '../../core/provenance/store.ts';
import { SBOM_PATH } from '../../core/sbom/image-sbom.ts';
import type { SpdxDocument } from '../../core/sbom/spdx.ts';
import { bucketOf, SMALL_BUCKETS } from '../../core/assemble/direct/layer-groups.ts';
import { cpnOf } from '../../core/plan/tree-slice.ts';

let env: AssembleEnv;

test.before(async (t) => {
  env = await assembleEnv('e2e');
  await buildScience(t, env);
});

test.after.always(async () => {
  await env?.cleanup();
});

test.serial('an assembly installs the requested package and its runtime deps from binpkgs, without the tree or binpkgs inside', async (t) => {
  const farm = env.farm();
  const { reporter, events } = collectingAssembleReporter();
  const r = await assembleImage(farm, 'viewer', { flags: { from: 'base', with: ['app-misc/viewer'] }, reporter });
  t.is(r.status, 'assembled');
  t.deepEqual(r.packages, ['dev-libs/mylib-1.4.2-1', 'app-misc/viewer-2.1-1']);
  t.true(r.image.ref.startsWith(`${env.prefix}/viewer:`));

  const files = await runIn(r.image.ref, ['cat', '/usr/share/binfarm-fixture/app-misc/viewer', '/usr/share/binfarm-fixture/dev-libs/mylib']);
  t.is(files.code, 0, files.out);
  t.regex(files.out, /app-misc\/viewer-2\.1/);
  t.regex(files.out, /dev-libs\/mylib-1\.4\.2 USE="threads"/);
  // the tree, the binpkgs and the distfiles were mounts: only their empty mount points are in the image
  const empty = await runIn(r.image.ref, ['sh', '-c', 'ls -A /var/db/repos/gentoo /var/cache/binpkgs /var/cache/distfiles | grep -v :$ | grep . ; true']);
  t.is(empty.out.trim(), '');
  const world = await runIn(r.image.ref, ['cat', '/var/lib/portage/world']);
  t.regex(world.out, /^app-misc\/viewer$/m);

  const docker = await dockerForTests();
  const info = await docker.getImage(r.image.ref).inspect();
  const labels = info.Config.Labels ?? {};
  t.is(labels['binfarm.assembled-from'], 'base');
  t.is(labels['binfarm.with'], 'app-misc/viewer');
  t.is(labels['binfarm.packages'], 'dev-libs/mylib-1.4.2-1 app-misc/viewer-2.1-1');
  t.is(labels['binfarm.binpkgs'], 'dev-libs/mylib/mylib-1.4.2-1.gpkg.tar app-misc/viewer/viewer-2.1-1.gpkg.tar');
  t.is(labels['binfarm.slim'], 'false');
  // inherited from the base image and the build container, and blanked: not a subject image, not a run's leftover
  for (const k of ['binfarm.key', 'binfarm.subject', 'binfarm.run', 'binfarm.host', 'binfarm.state']) t.is(labels[k] ?? '', '', k);
  t.deepEqual(info.Config.Cmd, ['/bin/sh']);

  // the fixture recorded what binfarm ran: the pretend only (the direct path wrote the image), binaries only
  const calls = readCalls(r.runDir, 'base').map((c) => c.argv);
  t.true(calls.some((a) => a.includes('--usepkgonly') && a.includes('--pretend') && a.includes('app-misc/viewer')));
  t.false(calls.some((a) => a.includes('--usepkgonly') && !a.includes('--pretend')), 'no merge ran');
  t.false(calls.some((a) => a.includes('--buildpkg') || a.includes('--usepkg')));
  t.is(labels['binfarm.assembled-via'], 'direct');

  const record = JSON.parse(readFileSync(join(env.dir, 'state', 'assemblies', 'viewer.json'), 'utf8')) as { key: string; packages: string[] };
  t.is(record.key, r.key);
  t.true(existsSync(r.logFile));
  t.true(events.some((e) => e.event === 'step:end' && e.step === 'direct' && !e.skipped));

  // --via emerge: the merge runs in the container, which is committed
  const merged = await assembleImage(env.farm(), 'viewer-emerge', { flags: { from: 'base', with: ['app-misc/viewer'], via: 'emerge' } });
  const mergeCalls = readCalls(merged.runDir, 'base').map((c) => c.argv);
  t.true(mergeCalls.some((a) => a.includes('--usepkgonly') && a.includes('--with-bdeps=n') && !a.includes('--pretend')));
  t.is((await docker.getImage(merged.image.ref).inspect()).Config.Labels?.['binfarm.assembled-via'], undefined);
  t.not(merged.key, r.key, 'the two ways have their own keys');

  // an SBOM of exactly the image's /var/db/pkg, in the image and beside the run; a provenance naming the image
  const vdb = await runIn(r.image.ref, ['find', '/var/db/pkg', '-mindepth', '2', '-maxdepth', '2', '-type', 'd']);
  const sbom = JSON.parse((await runIn(r.image.ref, ['cat', SBOM_PATH])).out) as SpdxDocument;
  const installed = vdb.out.split('\n').filter(Boolean).map((l) => l.replace('/var/db/pkg/', '')).sort();
  t.true(installed.includes('app-misc/viewer-2.1'));
  t.deepEqual(sbom.packages.slice(1).map((p) => `${p.name}-${p.versionInfo}`), installed);
  t.is(labels['binfarm.sbom.digest'], `sha256:${createHash('sha256').update(readFileSync(join(r.runDir, 'sbom', 'viewer.spdx.json'))).digest('hex')}`);
  const provenance = (await readLocalAttestation(join(env.dir, 'state'), r.image.id))!;
  t.deepEqual(JSON.parse(provenance.statement).subject[0].digest, { sha256: r.image.id.slice(7) });
  t.is(JSON.parse(provenance.statement).predicate.buildDefinition.internalParameters.contentKey, r.key);

  // unchanged inputs: found by key, nothing merged again
  const again = await assembleImage(env.farm(), 'viewer', { flags: { from: 'base', with: ['app-misc/viewer'] } });
  t.is(again.status, 'up-to-date');
  t.is(again.image.id, r.image.id);
});

test.serial('missing binpkgs fail the assembly, listing every one with the subject that would build it', async (t) => {
  const err = await t.throwsAsync<BinfarmError>(() =>
    assembleImage(env.farm(), 'incomplete', {
      flags: { from: 'base', with: ['app-misc/extra-tool', 'app-misc/nobody', 'app-misc/haunted', 'app-misc/viewer'] },
    }),
  );
  t.is(err!.code, 'E_ASSEMBLE');
  const msg = err!.message;
  t.regex(msg, /3 packages have no binary package/);
  t.regex(msg, /app-misc\/extra-tool \(requested\): subject "extras" lists it in set @extras and was never built → binfarm run extras/);
  t.regex(msg, /app-misc\/nobody \(requested\): no subject builds it/);
  // found by Portage's resolver (the fixture prints Portage's message and dependency chain)
  t.regex(msg, /dev-libs\/ghost \(required by app-misc\/haunted-1\.0::gentoo \[binary\] ← app-misc\/haunted\): no subject builds it/);
  t.regex(err!.hint ?? '', /binfarm run extras/);
  t.regex(err!.hint ?? '', /Add app-misc\/nobody, dev-libs\/ghost to the sets of a subject/);
  const missing = (err!.details as { missing: Array<{ cpn: string }> }).missing.map((m) => m.cpn).sort();
  t.deepEqual(missing, ['app-misc/extra-tool', 'app-misc/nobody', 'dev-libs/ghost']);
  const docker = await dockerForTests();
  t.is((await docker.listImages({ filters: { reference: [`${env.prefix}/incomplete`] } })).length, 0);
});

test.serial('a missing dependency of a set member is traced to the set', async (t) => {
  const err = await t.throwsAsync<BinfarmError>(() => assembleImage(env.farm(), 'whole-science', { flags: { from: 'base', with: ['@science'] } }));
  t.is(err!.code, 'E_ASSEMBLE');
  t.regex(err!.message, /1 package has no binary package/);
  t.regex(err!.message, /dev-libs\/ghost \(required by app-misc\/haunted-1\.0::gentoo \[binary\] ← app-misc\/haunted, in @science\)/);
});

test.serial('--slim ships the ROOT alone: packages and runtime deps, no Portage, no tree, no /etc/portage', async (t) => {
  const r = await assembleImage(env.farm(), 'viewer-slim', { flags: { from: 'science', with: ['app-misc/viewer'], slim: true, tag: 'v1' } });
  t.true(r.slim);
  t.deepEqual(r.packages, ['dev-libs/mylib-1.4.2-1', 'app-misc/viewer-2.1-1', 'sys-apps/baselayout-1.0-1', 'sys-libs/glibc-2.41-r5-1', 'virtual/libc-1.0-1']);
  t.deepEqual(r.refs, [r.image.ref, `${env.prefix}/viewer-slim:v1`]);
  // libstdc++ comes from sys-devel/gcc, which nothing depends on: the linkage check says so before merging
  t.deepEqual(r.linkage, [{ arch: 'x86_64', soname: 'libstdc++.so.6', neededBy: ['app-misc/viewer-2.1'], providers: ['sys-devel/gcc'] }]);
  t.true(r.warnings.some((w) => /libstdc\+\+\.so\.6 \(x86_64\) is needed by app-misc\/viewer-2\.1 .*sys-devel\/gcc provides it/.test(w)));
  const paths = await imagePaths(r.image.ref);
  for (const p of [
    'usr/share/binfarm-fixture/app-misc/viewer',
    'usr/share/binfarm-fixture/dev-libs/mylib',
    'usr/share/binfarm-fixture/sys-libs/glibc',
    'var/db/pkg/app-misc/viewer-2.1/CONTENTS',
  ]) {
    t.true(paths.includes(p), `${p} is in the slim image`);
  }
  for (const p of ['usr/bin/emerge', 'usr/bin/busybox', 'var/db/repos/gentoo', 'etc/portage', 'assemble-root', 'usr/lib/binfarm-fixture/lib.sh']) {
    t.false(paths.includes(p), `${p} is not in the slim image`);
  }
  const docker = await dockerForTests();
  const info = await docker.getImage(r.image.ref).inspect();
  t.is(info.Config.Labels?.['binfarm.slim'], 'true');
  t.is(info.Config.Labels?.['binfarm.key'], undefined);
  t.falsy(info.Config.Cmd, 'no shell in the ROOT, so no CMD');
  // small packages: one layer per hash bucket of their cat/pn (core/assemble/direct/layer-groups.ts), then the last one
  const buckets = new Set(r.packages.map((p) => bucketOf(cpnOf(p.replace(/-\d+$/, '')), SMALL_BUCKETS)));
  t.is(info.RootFS.Layers?.length, buckets.size + 1, 'a layer per bucket and the last one');
  // the SBOM went into the ROOT, and lists exactly the packages merged there
  t.true(paths.includes('usr/share/binfarm/sbom.spdx.json'));
  const sbom = JSON.parse(readFileSync(join(r.runDir, 'sbom', 'viewer-slim.spdx.json'), 'utf8')) as SpdxDocument;
  const vdb = paths.filter((p) => /^var\/db\/pkg\/[^/]+\/[^/]+$/.test(p)).map((p) => p.slice('var/db/pkg/'.length)).sort();
  t.deepEqual(sbom.packages.slice(1).map((p) => `${p.name}-${p.versionInfo}`), vdb);
  t.is(vdb.length, 5);
  const base = await docker.getImage(env.prefix + '/science:' + r.from.image.split(':').pop()).inspect();
  t.true(info.Size < base.Size / 10, `slim ${info.Size} B vs ${base.Size} B`);
});

test.serial('the config form: binfarm assemble <name> uses assemble.<name>', async (t) => {
  const farm = env.farm((c) => {
    c.assemble = { 'lib-env': { from: 'science', with: ['dev-libs/mylib'], labels: { 'org.opencontainers.image.title': 'mylib' } } };
  });
  const r = await assembleImage(farm, 'lib-env');
  t.deepEqual(r.packages, ['dev-libs/mylib-1.4.2-1']);
  const docker = await dockerForTests();
  const labels = (await docker.getImage(r.image.ref).inspect()).Config.Labels ?? {};
  t.is(labels['org.opencontainers.image.title'], 'mylib');
  t.is(labels['binfarm.assembled-from'], 'science');
});

test.serial('--publish pushes like subject images: key, date and --tag, with the registry credentials', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const farm = env.farm((c) => {
    c.registry = { url: `${registry.host}/asm`, username: registry.user, password: registry.password };
  });
  const r = await assembleImage(farm, 'viewer-pub', {
    flags: { from: 'science', with: ['app-misc/viewer'], slim: true, runtime: [], tag: 'v2', publish: true },
  });
  const repo = `${registry.host}/asm/viewer-pub`;
  t.deepEqual(r.published?.refs, [`${repo}:${r.key.slice(0, 12)}`, `${repo}:${dateTag()}`, `${repo}:v2`]);
  t.regex(r.published?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  const auth = `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString('base64')}`;
  const tags = (await (await fetch(`http://${registry.host}/v2/asm/viewer-pub/tags/list`, { headers: { authorization: auth } })).json()) as { tags: string[] };
  // and its provenance next to it, under the tag of its manifest digest (docs/sbom.md)
  t.deepEqual(tags.tags.sort(), [r.key.slice(0, 12), dateTag(), 'v2', `sha256-${r.published!.digest!.slice(7)}.att`].sort());
  const record = JSON.parse(readFileSync(join(env.dir, 'state', 'assemblies', 'viewer-pub.json'), 'utf8')) as { published: { images: string[] } };
  t.deepEqual(record.published.images, r.published?.refs);
  const docker = await dockerForTests();
  for (const ref of r.published?.refs ?? []) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
});

test.serial('a subject changed since its build is used as built, with a warning naming the change', async (t) => {
  const farm = env.farm((c) => {
    c.subjects!.science!.sets!.science!['app-misc/newer'] = {};
  });
  const r = await assembleImage(farm, 'viewer-stale', { flags: { from: 'science', with: ['app-misc/viewer'] } });
  t.is(r.status, 'assembled');
  t.true(
    r.warnings.some((w) => /subject "science" changed since .*science:[0-9a-f]{12} was built \(.*set:science: changed.*\).*binfarm run science/.test(w)),
    r.warnings.join('\n'),
  );
});

test.serial('without its state file, the subject is found by the labels of its image', async (t) => {
  const state = join(env.dir, 'state', 'subjects', 'science.json');
  const aside = `${state}.aside`;
  renameSync(state, aside);
  t.teardown(() => renameSync(aside, state));
  const r = await assembleImage(env.farm(), 'viewer-labels', { flags: { from: 'science', with: ['dev-libs/mylib'] } });
  t.regex(r.from.image, new RegExp(`^${env.prefix}/science:[0-9a-f]{12}$`));
  t.regex(r.from.partition, /^amd64\/default\/linux\/amd64\/23\.0\/opt-[0-9a-f]{8}$/);
  t.deepEqual(r.packages, ['dev-libs/mylib-1.4.2-1']);
});

test.serial('an interrupted assembly stops emerge, removes its container and makes no image', async (t) => {
  const { reporter, events } = collectingAssembleReporter();
  const controller = new AbortController();
  const origEmit = reporter.emit;
  reporter.emit = (e) => {
    origEmit(e);
    if (e.event === 'step:title' && /emerge binary \(\d+ of \d+\) app-misc\/sluggish-viewer/.test(e.title)) setTimeout(() => controller.abort(), 200);
  };
  const err = await t.throwsAsync<BinfarmError>(() =>
    assembleImage(env.farm(), 'sluggish', { flags: { from: 'base', with: ['app-misc/sluggish-viewer'], via: 'emerge' }, reporter, signal: controller.signal }),
  );
  t.is(err!.code, 'E_INTERRUPTED');
  const end = events.find((e) => e.event === 'assemble:end');
  t.is(end?.event === 'assemble:end' ? end.status : undefined, 'interrupted');
  const runId = events.find((e) => e.event === 'assemble:start');
  const docker = await dockerForTests();
  const left = await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${runId?.event === 'assemble:start' ? runId.runId : '?'}`] } });
  t.deepEqual(left, []);
  t.is((await docker.listImages({ filters: { reference: [`${env.prefix}/sluggish`] } })).length, 0);
});

test.serial('a subject that was never built is named with the command that builds it', async (t) => {
  const err = await t.throwsAsync<BinfarmError>(() => assembleImage(env.farm(), 'tools', { flags: { from: 'extras', with: ['app-misc/extra-tool'] } }));
  t.is(err!.code, 'E_ASSEMBLE');
  t.regex(err!.message, /subject "extras" has never been built/);
  t.regex(err!.hint ?? '', /binfarm run extras/);
});

test.serial('an invalid atom in --with fails before any container starts', async (t) => {
  const before = readRuns();
  const err = await t.throwsAsync<BinfarmError>(() =>
    assembleImage(env.farm(), 'bad', { flags: { from: 'base', with: ['app-misc/viewer', '>=app-misc/viewer'] } }),
  );
  t.is(err!.code, 'E_ATOM');
  t.regex(err!.message, /--with: ">=app-misc\/viewer": invalid atom ">=app-misc\/viewer" at column \d+/);
  t.deepEqual(readRuns(), before, 'no run directory: nothing was started');
});

test.serial('a binpkg that no longer matches the index is reported as such, and the read-only binhost is left as it was', async (t) => {
  const partition = JSON.parse(readFileSync(join(env.dir, 'state', 'subjects', 'base.json'), 'utf8')).partition.dir as string;
  const rel = 'app-misc/viewer/viewer-2.1-1.gpkg.tar';
  const good = readFileSync(join(partition, rel));
  const bad = Buffer.from(good);
  const at = Math.floor(bad.length / 2);
  bad[at] = bad[at]! ^ 0xff; // same size, other bytes: only a digest tells
  writeFileSync(join(partition, rel), bad);
  t.teardown(() => writeFileSync(join(partition, rel), good));
  const listing = readdirSync(join(partition, 'app-misc/viewer')).sort();
  const runsBefore = readRuns();

  const err = await t.throwsAsync<BinfarmError>(() => assembleImage(env.farm(), 'corrupt', { flags: { from: 'base', with: ['app-misc/viewer'] } }));
  t.is(err!.code, 'E_BINPKG_CORRUPT');
  t.regex(err!.message, new RegExp(`${rel} \\(app-misc/viewer-2\\.1\\): MD5 [0-9a-f]{32}, the index says [0-9a-f]{32}`));
  t.notRegex(err!.message + (err!.hint ?? ''), /pkg_postinst/);
  t.regex(err!.hint ?? '', /binfarm binhost verify/);
  t.deepEqual(readdirSync(join(partition, 'app-misc/viewer')).sort(), listing, 'nothing renamed or added in the binhost');
  t.deepEqual(readFileSync(join(partition, rel)), bad);

  // Portage ran (the pretend of the check step) with the partition bound read-only.
  const runDir = readRuns().filter((r) => !runsBefore.includes(r)).map((r) => join(env.dir, 'state', 'runs', r))[0]!;
  const pkgdirMounts = readCalls(runDir, 'base').flatMap((c) => c.mounts.filter((m) => m.target === '/var/cache/binpkgs'));
  t.true(pkgdirMounts.length > 0);
  for (const m of pkgdirMounts) t.regex(m.options, /^ro\b/, JSON.stringify(m));
});

function readRuns(): string[] {
  const dir = join(env.dir, 'state', 'runs');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}
