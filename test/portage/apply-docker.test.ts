/**
 * The applyPatches phase against a real Docker Engine: a stage3-like fixture container (built
 * locally from busybox, with catalyst's make.conf, the internet binrepos.conf and a make.profile
 * link), the rendered /etc/portage applied through the Engine API, then read back.
 */
import test from 'ava';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { captureLogger } from '../engine/helpers.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { DockerContainer } from '../../core/engine/container.ts';
import { applyPatchesToBuild } from '../../core/portage/apply/phase.ts';
import { readImagePaths } from '../../core/portage/apply/read-image.ts';
import type { ContainerHandle } from '../../core/engine/types.ts';
import type { SubjectBuild } from '../../core/run/context.ts';
import type { Farm } from '../../core/farm.ts';
import { farmOf } from './helpers.ts';
import { FULL } from './configs.ts';

const IDLE = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

/**
 * A running container of the stage3 fixture, as binfarm's ContainerHandle (the engine's
 * DockerContainer). Created with networking off: applying files needs none.
 */
async function container(t: import('ava').ExecutionContext, tag: string): Promise<ContainerHandle> {
  const docker = await dockerForTests();
  const image = await stage3FixtureImage({ docker });
  const c = await docker.createContainer({
    Image: image,
    Cmd: IDLE,
    Labels: { 'binfarm.owned': '1', 'binfarm.test': `portage-${tag}` },
    HostConfig: { NetworkMode: 'none' },
  });
  t.teardown(() => c.remove({ force: true }).catch(() => undefined));
  await c.start();
  return new DockerContainer(docker, c, 'local', () => {});
}

function buildFor(farm: Farm, subject: string, lines: string[]): SubjectBuild {
  const outputs: string[] = [];
  return {
    run: { options: farm.options, rootDir: farm.rootDir } as SubjectBuild['run'],
    subject: farm.subject(subject),
    parent: undefined,
    logger: captureLogger(lines),
    progress: { output: (l: string) => outputs.push(l), title: () => {} },
    logFile: '/dev/null',
    phases: [],
    data: new Map(),
  } as SubjectBuild;
}

const sh = async (c: ContainerHandle, script: string) => {
  const r = await c.exec(['/bin/sh', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
};

test.serial('applyPatches on a stage3: merged make.conf, offline binrepos, custom profile, overlays', async (t) => {
  const c = await container(t, 'apply');
  const farm = farmOf(FULL);
  const lines: string[] = [];
  const build = buildFor(farm, 'hep-root', lines);
  await applyPatchesToBuild(farm, build, { container: c });

  t.truthy(build.portage?.files.get('package.use/52-hep-root'));
  const makeConf = await sh(c, 'cat /etc/portage/make.conf');
  t.true(makeConf.startsWith('# These settings were set by the catalyst build script'), 'the stage3 make.conf was merged, not replaced');
  t.regex(makeConf, /^COMMON_FLAGS="-O3 -pipe -march=x86-64 -mtune=generic"$/m);
  t.regex(makeConf, /^MAKEOPTS="-j4 -l4"$/m);
  t.is(await sh(c, 'ls /etc/portage/binrepos.conf'), 'local.conf\n', 'the stage3 binrepo is gone, ours is there');
  t.is(await sh(c, 'readlink /etc/portage/make.profile'), '../../var/db/repos/binfarm-local/profiles/binfarm/amd64/23.0/opt\n');
  t.is(await sh(c, 'cat /etc/portage/make.profile/parent | grep -v "^#"'), 'gentoo:default/linux/amd64/23.0\n', 'the link resolves inside the image');
  t.is(await sh(c, 'cat /var/db/repos/binfarm-local/profiles/repo_name'), 'binfarm-local\n');
  t.regex(await sh(c, 'cat /etc/portage/package.use/52-hep-root'), /sci-physics\/root -pythia8 xrootd/);
  t.is(await sh(c, 'cat /etc/portage/patches/sci-physics/root-6.36.0/0001-root.patch'), 'diff\n');
  t.is(await sh(c, 'cat /etc/profile.d/hep.sh'), 'export ROOTSYS=/usr/lib64/root\n', 'the subject overlay is copied');
  t.is(await sh(c, 'stat -c %a /usr/local/bin/hep-env'), '755\n');
  t.is(await sh(c, 'readlink /etc/hep.sh'), 'profile.d/hep.sh\n');
  t.is(await sh(c, 'stat -c "%u:%g %a" /etc/portage/package.use/51-hep-core'), '0:0 644\n');
  t.true(lines.some((l) => /removed \/etc\/portage\/binrepos.conf\/gentoo.conf/.test(l)), lines.join('\n'));

  // every rendered file is in the image with the rendered bytes
  const state = await readImagePaths(c, ['/etc/portage', '/var/db/repos/binfarm-local']);
  for (const [key, content] of build.portage!.files) {
    const path = key.startsWith('/') ? key : `/etc/portage/${key}`;
    if (content.startsWith('symlink:')) t.deepEqual(state.get(path), { kind: 'symlink', target: content.slice(8) }, path);
    else if (key !== 'make.conf') t.is(state.text(path), content, path);
  }

  // a second application changes nothing
  const build2 = buildFor(farm, 'hep-root', []);
  await applyPatchesToBuild(farm, build2, { container: c });
  // only the overlay files outside /etc/portage are copied again (binfarm does not read them back)
  const again = build2.data.get('binfarm:apply-patches') as { ops: number; log: string[] };
  t.deepEqual(again.log, ['overlay root.01.d: /etc/hep.sh', 'overlay root.01.d: /etc/profile.d/hep.sh', 'overlay root.01.d: /usr/local/bin/hep-env']);
  t.is(await sh(c, 'cat /etc/portage/make.conf'), makeConf);
});

test.serial('protect strategy in a real container: ._cfg0000_ written, applied, nothing left behind', async (t) => {
  const c = await container(t, 'protect');
  await sh(
    c,
    'mkdir -p /etc/portage/package.use && printf "app-admin/sudo -ldap\\n" > /etc/portage/package.use/50-base && printf "x\\n" > /etc/portage/package.use/._cfg0000_50-base',
  );
  const farm = farmOf({ portage: { strategies: { 'package.use/*': 'protect' } }, base: { sets: { b: { 'app-admin/sudo': { use: ['ldap'] } } } } });
  const lines: string[] = [];
  await applyPatchesToBuild(farm, buildFor(farm, 'base', lines), { container: c });
  t.is(await sh(c, 'cat /etc/portage/package.use/50-base'), '# generated by binfarm — 50-base\napp-admin/sudo ldap\n');
  t.is(
    await sh(c, 'ls -a /etc/portage/package.use | grep _cfg || true'),
    '._cfg0000_50-base\n',
    'only the pre-existing ._cfg0000_ remains; ours was ._cfg0001_ and was applied',
  );
  t.true(lines.includes('info: protect: wrote /etc/portage/package.use/._cfg0001_50-base'), lines.join('\n'));
  t.true(lines.some((l) => l.includes('-app-admin/sudo -ldap')) && lines.some((l) => l.includes('+app-admin/sudo ldap')), 'the diff is logged');
});

test.serial('make.conf as a directory replaces the stage3 file, keeping it as 00-0-stage3.conf', async (t) => {
  const c = await container(t, 'dir');
  const farm = farmOf({ portage: { makeConfLayout: 'dir', customProfile: false } });
  await applyPatchesToBuild(farm, buildFor(farm, 'base', []), { container: c });
  t.is(await sh(c, 'ls /etc/portage/make.conf'), '00-0-stage3.conf\n00-binfarm.conf\n');
  t.regex(await sh(c, 'cat /etc/portage/make.conf/00-0-stage3.conf'), /catalyst build script/);
  t.is(await sh(c, 'readlink /etc/portage/make.profile'), '../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0\n');
});
