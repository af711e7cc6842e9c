import type { ProfileSpec } from '../model.ts';
import { formatAssignment } from '../makeconf/index.ts';
import { DEFAULT_PROFILE_REPO, header, symlinkValue } from './conventions.ts';
import { renderRepoConf } from './repos.ts';

/** make.profile pointing at a profile of the gentoo repository. */
export function gentooProfileLink(profile: string, gentooLocation = '/var/db/repos/gentoo'): string {
  return symlinkValue(`../..${gentooLocation}/profiles/${profile}`);
}

/**
 * The custom profile (docs/internals/gentoo.md#custom-profile): a local overlay repository with `profiles/repo_name`,
 * `metadata/layout.conf` (masters = gentoo, portage-2 + profile-set), `profiles/profiles.desc`
 * and `profiles/<name>/{parent,eapi,make.defaults,packages,package.use}`, its repos.conf entry,
 * and make.profile pointing into it. Keys under the repository are absolute paths.
 */
export function renderCustomProfile(p: ProfileSpec, out: Map<string, string>): void {
  const repo = p.repo ?? DEFAULT_PROFILE_REPO;
  const dir = `${repo.location}/profiles/${p.name}`;
  const h = header('profile');
  out.set(`${repo.location}/profiles/repo_name`, `${repo.name}\n`);
  out.set(
    `${repo.location}/metadata/layout.conf`,
    `${h}masters = gentoo\nprofile-formats = portage-2 profile-set\nthin-manifests = true\ncache-formats = md5-dict\n`,
  );
  out.set(`${repo.location}/profiles/profiles.desc`, `${h}${p.arch ?? 'amd64'} ${p.name} stable\n`);
  out.set(`${dir}/parent`, `${h}${p.parents.map((x) => `${x}\n`).join('')}`);
  out.set(`${dir}/eapi`, `${p.eapi}\n`);
  out.set(
    `${dir}/make.defaults`,
    h + Object.entries(p.makeDefaults).map(([k, v]) => formatAssignment(k, v, `${dir}/make.defaults`)).join(''),
  );
  out.set(`${dir}/packages`, h + p.packages.map((x) => `${x}\n`).join(''));
  out.set(`${dir}/package.use`, h + p.packageUse.map((x) => `${[x.atom, ...x.tokens].join(' ')}\n`).join(''));
  out.set(`repos.conf/${repo.name}.conf`, renderRepoConf(repo.name, { location: repo.location, readOnly: true }, 'profile'));
  out.set('make.profile', symlinkValue(`../..${dir}`));
}
