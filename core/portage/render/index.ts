import { BinfarmError } from '../../errors.ts';
import type { PortageModel } from '../model.ts';
import { byString, header } from './conventions.ts';
import { renderMakeConf } from './make-conf.ts';
import { renderPackageFiles } from './package-files.ts';
import { gentooProfileLink, renderCustomProfile } from './profile.ts';
import { renderBinrepoConf, renderRepoConf } from './repos.ts';

export * from './conventions.ts';
export { PACKAGE_FILE_KINDS } from './package-files.ts';

/**
 * Renders the model into files: key = path relative to /etc/portage (or absolute, for the
 * custom profile's repository), value = content (or `symlink:<target>`); see conventions.ts.
 * Pure and deterministic: the same model gives the same bytes, keys in sorted order.
 */
export function renderPortage(model: PortageModel): Map<string, string> {
  const out = new Map<string, string>();
  const put = (path: string, content: string, who: string) => {
    if (out.has(path) && out.get(path) !== content) {
      throw new BinfarmError('E_PORTAGE_CONFLICT', `two contributions render /etc/portage path "${path}" differently (the second is ${who})`, {
        hint: 'Give the file another name, or contribute its content once.',
      });
    }
    out.set(path, content);
  };

  renderMakeConf(model.makeConf, model.makeConfLayout ?? 'file', out);
  renderPackageFiles(model.entries, out);

  for (const [name, content] of Object.entries(model.env)) put(`env/${name}`, header(`env/${name}`) + content, `env "${name}"`);
  for (const [name, atoms] of Object.entries(model.sets)) {
    put(`sets/${name}`, header(model.setContributors?.[name] ?? `set ${name}`) + [...new Set(atoms)].map((a) => `${a}\n`).join(''), `set "${name}"`);
  }
  for (const [name, r] of Object.entries(model.repos)) put(`repos.conf/${name}.conf`, renderRepoConf(name, r), `repository "${name}"`);
  for (const [name, b] of Object.entries(model.binrepos)) put(`binrepos.conf/${name}.conf`, renderBinrepoConf(name, b), `binrepo "${name}"`);
  for (const p of model.patches) put(`patches/${p.target}/${p.name}`, p.content, `patch from ${p.contributor}`);
  if (model.provided.length) put('profile/package.provided', header('00-binfarm') + model.provided.map((x) => `${x}\n`).join(''), 'package.provided');

  if (model.profile) renderCustomProfile(model.profile, out);
  else out.set('make.profile', gentooProfileLink(model.profileTarget, model.repos.gentoo?.location));

  for (const f of model.files) put(f.path, f.content, `file from ${f.contributor}`);

  return new Map([...out.entries()].sort(([a], [b]) => byString(a, b)));
}
