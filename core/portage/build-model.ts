import { access } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { PortageContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import type { RenderContext } from '../hooks.ts';
import type { Subject } from '../subject/types.ts';
import { buildSettingsVars, profileDefaults } from './build-settings.ts';
import { parseAtom, validateRepoName, validateUseToken, withContext } from './grammar/index.ts';
import { evaluateMakeConf, parseMakeConf } from './makeconf/index.ts';
import { emptyPortageModel, type FileEntry, type PortageModel, type ProfileSpec } from './model.ts';
import { addSubjectSets, type EntryOrigins } from './model-from-sets.ts';
import { DEFAULT_PROFILE_REPO } from './render/conventions.ts';
import { subjectChain, type ChainLink } from './subject-chain.ts';

/** The contributor of config-level settings (`portage:` in the config). */
export const CONFIG_CONTRIBUTOR = '00-binfarm';

/**
 * The Portage model of a subject: the farm's build settings (`00-binfarm`), then the subject
 * and its ancestors (`50-base`, `51-hep-core`, ...: their sets, package.* entries, make.conf
 * variables and files), then the hooks — `atom` per atom (while adding sets), `makeConf` on
 * the settings' variables, and `portageModel` on the whole model. Everything is validated;
 * errors say `subject "x", set "y", atom "z": ...`.
 */
export async function buildPortageModel(farm: PortageContext, subjectOrName: Subject | string): Promise<PortageModel> {
  const subject = typeof subjectOrName === 'string' ? farm.subject(subjectOrName) : subjectOrName;
  const p = farm.options.portage;
  const ctx: RenderContext = { subject, options: farm.options };
  const model = emptyPortageModel(p.profile);
  model.makeConfLayout = p.makeConfLayout;
  model.removeStage3Binrepos = p.removeStage3Binrepos;

  // config-level settings
  const vars = farm.hooks.makeConf.call(buildSettingsVars(p), ctx);
  model.makeConf.push({ contributor: CONFIG_CONTRIBUTOR, vars, precedence: 0 });
  model.repos.gentoo = { location: '/var/db/repos/gentoo', readOnly: true };
  for (const o of farm.options.overlays) {
    model.repos[o.name] = {
      location: `/var/db/repos/${o.name}`,
      readOnly: true,
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.masters ? { masters: o.masters } : {}),
    };
  }
  for (const [name, b] of Object.entries(p.binrepos)) {
    try {
      validateRepoName(name);
    } catch (e) {
      throw withContext(e, 'config portage.binrepos');
    }
    model.binrepos[name] = b;
  }
  model.provided = p.provided.map((text, i) => checkProvided(text, `config portage.provided[${i}]`));
  for (const [path, content] of Object.entries(p.files))
    model.files.push(checkFile({ contributor: CONFIG_CONTRIBUTOR, path, content }, `config portage.files["${path}"]`));
  if (p.customProfile) model.profile = customProfile(farm);

  // the subject and its ancestors
  const origins: EntryOrigins = new Map();
  const chain = subjectChain(farm, subject);
  for (const link of chain) {
    addSubjectSets(farm, link, model, origins);
    const frag = link.subject.portage;
    if (frag?.makeConf && Object.keys(frag.makeConf).length) {
      model.makeConf.push({ contributor: link.contributor, vars: { ...frag.makeConf }, precedence: link.precedence });
    }
    for (const [path, content] of Object.entries(frag?.files ?? {})) {
      model.files.push(checkFile({ contributor: link.contributor, path, content }, `subject "${link.subject.name}", portage.files["${path}"]`));
    }
  }

  const inMakeConfDir = model.files.find((f) => f.path.startsWith('make.conf/'));
  if (inMakeConfDir && model.makeConfLayout !== 'dir') {
    throw new BinfarmError(
      'E_CONFIG_INVALID',
      `"${inMakeConfDir.path}" (from ${inMakeConfDir.contributor}) needs make.conf to be a directory, but portage.makeConfLayout is "file"`,
      {
        hint: 'Set portage.makeConfLayout to "dir", or give the variables as portage.makeConf / a subject\'s portage.makeConf.',
      },
    );
  }

  const final = await farm.hooks.portageModel.promise(model, ctx);
  await checkEnvFiles(farm, final, chain, origins);
  return final;
}

function customProfile(farm: PortageContext): ProfileSpec {
  const p = farm.options.portage;
  const version = /(?:^|\/)(\d+\.\d+)(?:\/|$)/.exec(p.profile)?.[1] ?? 'custom';
  const c = p.profileContent;
  const packageUse = Object.entries(c.packageUse).map(([atom, tokens]) => {
    const where = `config portage.profileContent.packageUse["${atom}"]`;
    try {
      parseAtom(atom, { allowWildcard: true });
      tokens.forEach((t) => validateUseToken(t));
    } catch (e) {
      throw withContext(e, where);
    }
    return { atom, tokens };
  });
  c.packages.forEach((line, i) => {
    const atom = line.replace(/^[-*]/, '');
    if (line === '-*') return;
    try {
      parseAtom(atom);
    } catch (e) {
      throw withContext(e, `config portage.profileContent.packages[${i}]`);
    }
  });
  const makeDefaults = { ...profileDefaults(p), ...c.makeDefaults };
  const text = Object.entries(makeDefaults).map(([k, v]) => `${k}="${v}"\n`).join('');
  evaluateMakeConf(parseMakeConf(text, 'profile make.defaults'), { inherited: '*' });
  return {
    name: `binfarm/${p.arch}/${version}/${p.buildType}`,
    arch: p.arch,
    repo: { ...DEFAULT_PROFILE_REPO },
    parents: [`gentoo:${p.profile}`],
    eapi: '8',
    makeDefaults,
    packages: [...c.packages],
    packageUse,
  };
}

/** package.provided lines are `cat/pn-version`, without operator. */
function checkProvided(text: string, where: string): string {
  try {
    const a = parseAtom(`=${text}`);
    if (a.glob || a.slot || a.repo || a.useDeps.length) throw new BinfarmError('E_ATOM', `package.provided takes "cat/pn-version" only, got "${text}"`);
  } catch (e) {
    throw withContext(e, where);
  }
  return text;
}

function checkFile(f: FileEntry, where: string): FileEntry {
  const norm = normalize(f.path);
  if (!f.path || isAbsolute(f.path) || norm.startsWith('..') || norm !== f.path || f.path.endsWith('/')) {
    throw new BinfarmError('E_CONFIG_INVALID', `${where}: "${f.path}" must be a normalized path relative to /etc/portage`, {
      hint: 'For example "env/big.conf" or "package.use/zz-local"; files outside /etc/portage belong in an overlay directory.',
    });
  }
  if (/^env\/[^/]+$/.test(f.path) || f.path.startsWith('make.conf')) {
    try {
      evaluateMakeConf(parseMakeConf(f.content, f.path), { inherited: '*' });
    } catch (e) {
      throw withContext(e, where);
    }
  }
  return f;
}

/** Every package.env file must exist: rendered by binfarm, given in `files`, or in an overlay of the subject or its ancestors. */
async function checkEnvFiles(farm: PortageContext, model: PortageModel, chain: ChainLink[], origins: EntryOrigins): Promise<void> {
  const known = new Set(Object.keys(model.env));
  for (const f of model.files) if (f.path.startsWith('env/')) known.add(f.path.slice(4));
  const overlayDirs = chain.flatMap((l) => l.subject.overlays.map((o) => join(farm.rootDir, o, 'etc/portage/env')));
  for (const e of model.entries) {
    if (e.kind !== 'package.env') continue;
    for (const name of e.tokens) {
      if (known.has(name)) continue;
      let found = false;
      for (const dir of overlayDirs) {
        if (await exists(join(dir, name))) {
          found = true;
          break;
        }
      }
      if (found) {
        known.add(name);
        continue;
      }
      const where = origins.get(e) ?? `${e.contributor}, atom "${e.atom}"`;
      throw new BinfarmError('E_SUBJECT', `${where}: env file "${name}" is not provided by anything`, {
        hint: `Add it as portage.files["env/${name}"] (make.conf syntax), or put etc/portage/env/${name} into one of the subject's overlay directories.`,
      });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
