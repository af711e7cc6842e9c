/**
 * The direct assembly on the real engine with generated binpkgs (test/assemble/_binpkgs.ts) in
 * the base subject's partition, the fixture emerge resolving and merging:
 *  - a package with a library and a hard link: the hard link stays one inode, and the loader
 *    cache is refreshed (ldconfig, as emerge's env-update) — the same cache as the emerge path's;
 *  - a package defining pkg_postinst: the assembly falls back to emerge for real, says which
 *    package and why, and the image holds what pkg_postinst made (the direct path cannot).
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { assembleImage } from '../../../core/assemble/assemble.ts';
import { collectingAssembleReporter } from '../../../core/assemble/progress.ts';
import { runFarm } from '../../../core/run/runner.ts';
import { dockerForTests } from '../../helpers/docker.ts';
import type { GpkgSpec } from '../../fixtures/gpkg.ts';
import { addBinpkgs } from '../_binpkgs.ts';
import { assembleEnv, runIn, type AssembleEnv } from '../_env.ts';

let env: AssembleEnv;

const meta = (phases: string) => ({ SLOT: '0', EAPI: '8', BUILD_TIME: '1760000000', DEFINED_PHASES: phases, repository: 'gentoo', USE: '', IUSE: '' });

const libthing: GpkgSpec = {
  cat: 'test-gen',
  pf: 'libthing-1.0',
  buildId: 1,
  compress: 'gz',
  mtime: 1760000000,
  metadata: meta('compile install'),
  files: [
    { path: 'usr', type: 'directory' },
    { path: 'usr/lib64', type: 'directory' },
    { path: 'usr/lib64/libthing.so.1', type: 'file', data: 'not really ELF\n', mode: 0o755 },
    { path: 'usr/lib64/libthing.so', type: 'symlink', target: 'libthing.so.1' },
    { path: 'usr/bin', type: 'directory' },
    { path: 'usr/bin/thing', type: 'file', data: '#!/bin/sh\necho thing\n', mode: 0o755 },
    { path: 'usr/bin/thing-hard', type: 'link', target: 'usr/bin/thing' },
  ],
};

// What Portage keeps of an ebuild's phases in a binpkg: environment.bz2 (metadata.tar)
const postinst = 'pkg_postinst() {\n\tmkdir -p "${EROOT%/}/var/lib/hooked"\n\techo ran > "${EROOT%/}/var/lib/hooked/postinst"\n}\n';
const hooked: GpkgSpec = {
  cat: 'test-gen',
  pf: 'hooked-1.0',
  buildId: 1,
  compress: 'gz',
  mtime: 1760000000,
  metadata: { ...meta('compile install postinst'), 'environment.bz2': execFileSync('bzip2', ['-c'], { input: postinst }) },
  files: [
    { path: 'usr', type: 'directory' },
    { path: 'usr/bin', type: 'directory' },
    { path: 'usr/bin/hooked', type: 'file', data: '#!/bin/sh\necho hooked\n', mode: 0o755 },
  ],
};

test.before(async (t) => {
  env = await assembleEnv('generated');
  const built = await runFarm(env.farm(), { targets: ['base'] });
  if (built.status !== 'done') t.fail(`building base failed: ${String((built.error as Error | undefined)?.message)}`);
  await addBinpkgs(env, [libthing, hooked]);
});

test.after.always(async () => {
  await env?.cleanup();
});

const via = async (ref: string) => (await (await dockerForTests()).getImage(ref).inspect()).Config.Labels?.['binfarm.assembled-via'];

test.serial('a hard link stays one inode; the loader cache lists the new library, as after emerge', async (t) => {
  const flags = { from: 'base', with: ['test-gen/libthing'] };
  const direct = await assembleImage(env.farm(), 'libthing-direct', { flags });
  t.is(await via(direct.image.ref), 'direct');
  const links = await runIn(direct.image.ref, ['stat', '-c', '%i %h', '/usr/bin/thing', '/usr/bin/thing-hard']);
  t.is(links.code, 0, links.out);
  const [a, b] = links.out.trim().split('\n');
  t.is(a, b, 'one inode for both names');
  t.regex(a ?? '', / 2$/, 'two links');
  const cache = await runIn(direct.image.ref, ['cat', '/etc/ld.so.cache']);
  t.regex(cache.out, /^libthing\.so\.1 => \/usr\/lib64\/libthing\.so\.1$/m);

  const viaEmerge = await assembleImage(env.farm(), 'libthing-emerge', { flags: { ...flags, via: 'emerge' } });
  t.is((await runIn(viaEmerge.image.ref, ['cat', '/etc/ld.so.cache'])).out, cache.out, 'the same cache as the emerge path');
  // still reproducible with the cache layer
  const again = await assembleImage(env.farm(), 'libthing-direct', { flags, force: true });
  t.is(again.image.id, direct.image.id);
});

test.serial('a package defining pkg_postinst makes the assembly fall back to emerge, which runs it', async (t) => {
  const { reporter, events } = collectingAssembleReporter();
  const r = await assembleImage(env.farm(), 'hooked', { flags: { from: 'base', with: ['test-gen/hooked', 'test-gen/libthing'] }, reporter });
  t.true(
    r.warnings.some((w) => /uses emerge instead of the direct path: test-gen\/hooked-1\.0 defines pkg_postinst, which a merge runs/.test(w)),
    r.warnings.join('\n'),
  );
  t.true(
    events.some((e) => e.event === 'step:end' && e.step === 'emerge' && !e.skipped),
    'emerge merged the packages',
  );
  t.not(await via(r.image.ref), 'direct');
  t.deepEqual(r.packages.map((p) => p.replace(/-\d+$/, '')).sort(), ['test-gen/hooked-1.0', 'test-gen/libthing-1.0']);
  // the image is usable and holds what pkg_postinst made, the packages' files and their database entries
  const out = await runIn(r.image.ref, ['sh', '-c', 'cat /var/lib/hooked/postinst && hooked && thing && ls /var/db/pkg/test-gen']);
  t.is(out.code, 0, out.out);
  t.deepEqual(out.out.trim().split('\n'), ['ran', 'hooked', 'thing', 'hooked-1.0', 'libthing-1.0']);
});
