import test from 'ava';
import { posix } from 'node:path';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { symlinkTarget } from '../../core/portage/render/index.ts';
import { evaluateMakeConf, parseMakeConf } from '../../core/portage/makeconf/index.ts';
import { farmOf } from './helpers.ts';

const REPO = '/var/db/repos/binfarm-local';

/** Reads a generated tree like Portage does: `parent` lines resolved repo:path or relative. */
function parents(files: Map<string, string>, profileDir: string): string[] {
  return (files.get(`${profileDir}/parent`) ?? '')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.trim());
}

for (const buildType of ['opt', 'dbg'] as const) {
  test(`custom profile for ${buildType}: layout, parent chain and make.profile (docs/internals/gentoo.md#custom-profile)`, async (t) => {
    const { files } = await renderSubject(farmOf({ portage: { buildType, profile: 'default/linux/amd64/23.0/systemd' } }), 'base');
    const name = `binfarm/amd64/23.0/${buildType}`;
    const dir = `${REPO}/profiles/${name}`;

    t.is(files.get(`${REPO}/profiles/repo_name`), 'binfarm-local\n', 'repo name on the first line, nothing else');
    const layout = files.get(`${REPO}/metadata/layout.conf`)!.split('\n').filter((l) => l && !l.startsWith('#'));
    t.deepEqual(layout, ['masters = gentoo', 'profile-formats = portage-2 profile-set', 'thin-manifests = true', 'cache-formats = md5-dict']);
    t.deepEqual(
      files.get(`${REPO}/profiles/profiles.desc`)!.split('\n').filter((l) => l && !l.startsWith('#')),
      [`amd64 ${name} stable`],
      'profiles.desc: <arch> <dir relative to profiles/> <status>',
    );

    // the parent chain ends in the gentoo repository's profile, repo-qualified (portage-2)
    t.deepEqual(parents(files, dir), ['gentoo:default/linux/amd64/23.0/systemd']);
    t.is(files.get(`${dir}/eapi`), '8\n', 'eapi: a bare first line, no comment');
    for (const f of ['make.defaults', 'packages', 'package.use']) t.true(files.has(`${dir}/${f}`), f);
    const defaults = Object.fromEntries(evaluateMakeConf(parseMakeConf(files.get(`${dir}/make.defaults`)!, 'make.defaults')).vars);
    t.is(defaults.BINFARM_BUILD_TYPE, buildType);

    // repos.conf entry for the overlay, without sync
    t.regex(
      files.get('repos.conf/binfarm-local.conf')!,
      /\[binfarm-local\]\nlocation = \/var\/db\/repos\/binfarm-local\nsync-type =\nsync-uri =\nauto-sync = no\n/,
    );

    // make.profile resolves, relative to /etc/portage, to the profile directory
    const target = symlinkTarget(files.get('make.profile')!)!;
    t.is(posix.resolve('/etc/portage', target), dir);
  });
}

test('make.profile points into the gentoo repository when the custom profile is off', async (t) => {
  const { files } = await renderSubject(farmOf({ portage: { customProfile: false, profile: 'default/linux/amd64/23.0/no-multilib' } }), 'base');
  t.is(posix.resolve('/etc/portage', symlinkTarget(files.get('make.profile')!)!), '/var/db/repos/gentoo/profiles/default/linux/amd64/23.0/no-multilib');
  t.false([...files.keys()].some((k) => k.startsWith(REPO)));
  t.false(files.has('repos.conf/binfarm-local.conf'));
});

test('profile content from the config: packages, package.use, make.defaults; bad atoms named', async (t) => {
  const { files } = await renderSubject(
    farmOf({
      portage: {
        profileContent: { packages: ['*app-admin/sudo', 'app-misc/jq', '-*'], packageUse: { 'dev-lang/python': ['-tk'] }, makeDefaults: { USE: '-X' } },
      },
    }),
    'base',
  );
  const dir = `${REPO}/profiles/binfarm/amd64/23.0/opt`;
  t.regex(files.get(`${dir}/packages`)!, /\*app-admin\/sudo\napp-misc\/jq\n-\*\n$/);
  t.regex(files.get(`${dir}/package.use`)!, /dev-lang\/python -tk\n$/);
  t.regex(files.get(`${dir}/make.defaults`)!, /USE="-X"\n$/);
  await t.throwsAsync(renderSubject(farmOf({ portage: { profileContent: { packages: ['*app-admin'] } } }), 'base'), {
    message: /config portage\.profileContent\.packages\[0\]: invalid atom "app-admin"/,
  });
});
