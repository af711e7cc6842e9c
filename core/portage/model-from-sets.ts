import type { Farm } from '../farm.ts';
import { BinfarmError } from '../errors.ts';
import type { AtomContext } from '../hooks.ts';
import type { AtomSpec } from '../subject/types.ts';
import type { BinfarmOptions } from '../config/schema/index.ts';
import {
  atomKey,
  parseAtom,
  patchTarget,
  validateEnvFileName,
  validateKeywordToken,
  validateLicenseToken,
  validateSetName,
  validateUseToken,
  withContext,
} from './grammar/index.ts';
import type { PackageEntry, PortageModel } from './model.ts';
import type { ChainLink } from './subject-chain.ts';
import { DBG_ENV_FILES } from './build-settings.ts';

const PATCH_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*\.(patch|diff)$/;
const SPEC_KEYS = new Set(['use', 'accept_keywords', 'license', 'mask', 'unmask', 'env', 'patches', 'deps']);

/** Where an entry came from, for error messages raised after the model is complete. */
export type EntryOrigins = WeakMap<PackageEntry, string>;

/**
 * Adds one subject's package sets to the model: `sets/<name>` lists the set's atoms; each atom
 * and each of its (nested) deps gets package.* entries under the subject's contributor. Deps
 * are not put into the set: Portage pulls them in. The `farm.hooks.atom` waterfall for the
 * atom's `cat/pn` may change the spec first.
 */
export function addSubjectSets(farm: Farm, link: ChainLink, model: PortageModel, origins: EntryOrigins): void {
  const { subject, contributor } = link;
  const options = farm.options;
  for (const [rawSet, atoms] of Object.entries(subject.sets)) {
    const where = `subject "${subject.name}", set "${rawSet}"`;
    let set: string;
    try {
      set = validateSetName(rawSet);
    } catch (e) {
      throw withContext(e, where);
    }
    if (model.sets[set] && model.setContributors?.[set] !== contributor) {
      throw new BinfarmError('E_PORTAGE_CONFLICT', `${where}: set "${set}" is also defined by ${model.setContributors?.[set] ?? 'another contributor'}`, {
        hint: 'Set names are global in an image (/etc/portage/sets/<name>); rename one of them.',
      });
    }
    const members = (model.sets[set] ??= []);
    (model.setContributors ??= {})[set] = contributor;
    for (const [text, spec] of Object.entries(atoms)) {
      members.push(addAtom(farm, options, link, model, origins, set, text, spec ?? {}, `${where}, atom "${text}"`, false));
    }
  }
}

function addAtom(
  farm: Farm,
  options: BinfarmOptions,
  link: ChainLink,
  model: PortageModel,
  origins: EntryOrigins,
  set: string,
  text: string,
  rawSpec: AtomSpec,
  where: string,
  isDep: boolean,
): string {
  const fail = (e: unknown) => withContext(e, where);
  let atom;
  try {
    atom = parseAtom(text, { allowWildcard: isDep });
  } catch (e) {
    throw fail(e);
  }
  const ctx: AtomContext = { subject: link.subject, options, set, atom: text };
  const spec = farm.hooks.atom.get(atomKey(atom))?.call(rawSpec, ctx) ?? rawSpec;
  if (!spec || typeof spec !== 'object') {
    throw new BinfarmError('E_PLUGIN', `${where}: a farm.hooks.atom tap returned ${String(spec)} instead of the atom's settings`, {
      hint: 'An atom tap must return the (changed) spec object.',
    });
  }
  for (const k of Object.keys(spec)) {
    if (!SPEC_KEYS.has(k)) throw new BinfarmError('E_SUBJECT', `${where}: unknown setting "${k}"`, { hint: `Known settings: ${[...SPEC_KEYS].join(', ')}.` });
  }
  const push = (kind: PackageEntry['kind'], tokens: string[]) => {
    const entry: PackageEntry = { kind, contributor: link.contributor, atom: text, tokens };
    model.entries.push(entry);
    origins.set(entry, where);
  };
  const tokens = (key: string, list: string[] | undefined, validate: (t: string) => string) => {
    if (list === undefined) return undefined;
    const out = list.flatMap((t) => String(t).split(/\s+/).filter(Boolean));
    out.forEach((t) => {
      try {
        validate(t);
      } catch (e) {
        throw withContext(e, `${where}, ${key}`);
      }
    });
    return out;
  };
  const use = tokens('use', spec.use, (t) => validateUseToken(t));
  if (use?.length) push('package.use', use);
  const kw = tokens('accept_keywords', spec.accept_keywords, validateKeywordToken);
  if (kw) push('package.accept_keywords', kw); // an empty list means the testing keyword (a bare atom line)
  const lic = tokens('license', spec.license, validateLicenseToken);
  if (lic?.length) push('package.license', lic);
  if (spec.mask) push('package.mask', []);
  if (spec.unmask) push('package.unmask', []);
  const env = tokens('env', spec.env, validateEnvFileName)?.filter((name) => keepEnv(options, name));
  if (env?.length) {
    push('package.env', env);
    for (const name of env) if (DBG_ENV_FILES[name] && !model.env[name]) model.env[name] = DBG_ENV_FILES[name]!;
  }
  for (const [name, content] of Object.entries(spec.patches ?? {})) {
    if (!PATCH_NAME_RE.test(name)) {
      throw new BinfarmError('E_GRAMMAR', `${where}: patch name "${name}" must be a file name ending in .patch or .diff`, {
        hint: 'Portage applies /etc/portage/patches/<cat>/<pn>/*.patch in lexical order; name them e.g. "0001-fix-build.patch".',
      });
    }
    model.patches.push({ contributor: link.contributor, target: patchTarget(atom), name, content });
  }
  for (const [dep, depSpec] of Object.entries(spec.deps ?? {})) {
    addAtom(farm, options, link, model, origins, set, dep, depSpec ?? {}, `${where}, dep "${dep}"`, true);
  }
  return text;
}

/**
 * The dbg env files of the original project (debugsyms.conf, installsources.conf) act only in
 * a dbg build with per-package scope: an opt build has no debug info, and a global dbg build
 * already applies them everywhere.
 */
function keepEnv(options: BinfarmOptions, name: string): boolean {
  if (!DBG_ENV_FILES[name]) return true;
  return options.portage.buildType === 'dbg' && options.portage.dbgScope === 'per-package';
}
