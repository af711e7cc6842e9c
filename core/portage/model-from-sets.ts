import type { PortageContext } from '../types.ts';
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
import { ATOM_SPEC_KEYS } from '../subject/atom-spec-keys.ts';

const PATCH_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*\.(patch|diff)$/;
const SPEC_KEYS = new Set<string>(ATOM_SPEC_KEYS);

/** Where an entry came from, for error messages raised after the model is complete. */
export type EntryOrigins = Map<PackageEntry, string>;

/**
 * What one chain link added to a model, recorded so the next model that holds the same link
 * (every descendant's) replays it instead of parsing and validating its atoms again. The state
 * a link's sets are added to (the ancestors' sets and entries) is the same in every chain that
 * holds it, so a replay gives the same model. Links whose atoms went through a
 * `farm.hooks.atom` tap are not recorded: their taps run every time, as before.
 */
interface Contribution {
  sets: Array<{ set: string; where: string; members: string[] }>;
  entries: Array<{ kind: PackageEntry['kind']; atom: string; tokens: readonly string[]; where: string }>;
  env: string[];
  patches: Array<{ target: string; name: string; content: string }>;
  /** `cat/pn` of every atom and dep: a tap added for one of them later disables the replay. */
  atomKeys: Set<string>;
  hooked: boolean;
}

/** farm → subject object → contributor → contribution (a new subject resolution gives new objects). */
const recorded = new WeakMap<PortageContext, WeakMap<object, Map<string, Contribution>>>();

/**
 * Adds one subject's package sets to the model: `sets/<name>` lists the set's atoms; each atom
 * and each of its (nested) deps gets package.* entries under the subject's contributor. Deps
 * are not put into the set: Portage pulls them in. The `farm.hooks.atom` waterfall for the
 * atom's `cat/pn` may change the spec first.
 */
export function addSubjectSets(farm: PortageContext, link: ChainLink, model: PortageModel, origins: EntryOrigins): void {
  let bySubject = recorded.get(farm);
  if (!bySubject) recorded.set(farm, (bySubject = new WeakMap()));
  let byContributor = bySubject.get(link.subject);
  if (!byContributor) bySubject.set(link.subject, (byContributor = new Map()));
  const cached = byContributor.get(link.contributor);
  if (cached && !tappedSince(farm, cached)) return replay(cached, link, model, origins);

  const rec: Contribution = { sets: [], entries: [], env: [], patches: [], atomKeys: new Set(), hooked: false };
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
    checkSetOwner(model, set, contributor, where);
    const members = (model.sets[set] ??= []);
    (model.setContributors ??= {})[set] = contributor;
    const recMembers: string[] = [];
    rec.sets.push({ set, where, members: recMembers });
    for (const [text, spec] of Object.entries(atoms)) {
      const member = addAtom(farm, options, link, model, origins, rec, set, text, spec ?? {}, `${where}, atom "${text}"`, false);
      members.push(member);
      recMembers.push(member);
    }
  }
  if (!rec.hooked) byContributor.set(link.contributor, rec);
}

function checkSetOwner(model: PortageModel, set: string, contributor: string, where: string): void {
  if (model.sets[set] && model.setContributors?.[set] !== contributor) {
    throw new BinfarmError('E_PORTAGE_CONFLICT', `${where}: set "${set}" is also defined by ${model.setContributors?.[set] ?? 'another contributor'}`, {
      hint: 'Set names are global in an image (/etc/portage/sets/<name>); rename one of them.',
    });
  }
}

function tappedSince(farm: PortageContext, c: Contribution): boolean {
  for (const key of c.atomKeys) if (farm.hooks.atom.get(key)) return true;
  return false;
}

/** Adds a recorded contribution: fresh entry, token and patch objects, as addAtom makes them. */
function replay(c: Contribution, link: ChainLink, model: PortageModel, origins: EntryOrigins): void {
  const { contributor } = link;
  for (const { set, where, members } of c.sets) {
    checkSetOwner(model, set, contributor, where);
    const list = (model.sets[set] ??= []);
    (model.setContributors ??= {})[set] = contributor;
    for (const m of members) list.push(m);
  }
  for (const e of c.entries) {
    const entry: PackageEntry = { kind: e.kind, contributor, atom: e.atom, tokens: e.tokens.slice() };
    model.entries.push(entry);
    origins.set(entry, e.where);
  }
  for (const name of c.env) if (!model.env[name]) model.env[name] = DBG_ENV_FILES[name]!;
  for (const p of c.patches) model.patches.push({ contributor, target: p.target, name: p.name, content: p.content });
}

function addAtom(
  farm: PortageContext,
  options: BinfarmOptions,
  link: ChainLink,
  model: PortageModel,
  origins: EntryOrigins,
  rec: Contribution,
  set: string,
  text: string,
  rawSpec: AtomSpec,
  where: string,
  isDep: boolean,
): string {
  let atom;
  try {
    atom = parseAtom(text, { allowWildcard: isDep });
  } catch (e) {
    throw withContext(e, where);
  }
  const key = atomKey(atom);
  rec.atomKeys.add(key);
  const hook = farm.hooks.atom.get(key);
  if (hook) rec.hooked = true;
  const spec = hook ? hook.call(rawSpec, { subject: link.subject, options, set, atom: text } satisfies AtomContext) : rawSpec;
  if (!spec || typeof spec !== 'object') {
    throw new BinfarmError('E_PLUGIN', `${where}: a farm.hooks.atom tap returned ${String(spec)} instead of the atom's settings`, {
      hint: 'An atom tap must return the (changed) spec object.',
    });
  }
  for (const k in spec) {
    if (!SPEC_KEYS.has(k)) throw new BinfarmError('E_SUBJECT', `${where}: unknown setting "${k}"`, { hint: `Known settings: ${[...SPEC_KEYS].join(', ')}.` });
  }
  const use = tokens(spec.use, validateUseTokenInList, where, 'use');
  if (use?.length) push(model, origins, rec, link, 'package.use', text, use, where);
  const kw = tokens(spec.accept_keywords, validateKeywordToken, where, 'accept_keywords');
  if (kw) push(model, origins, rec, link, 'package.accept_keywords', text, kw, where); // an empty list means the testing keyword (a bare atom line)
  const lic = tokens(spec.license, validateLicenseToken, where, 'license');
  if (lic?.length) push(model, origins, rec, link, 'package.license', text, lic, where);
  if (spec.mask) push(model, origins, rec, link, 'package.mask', text, [], where);
  if (spec.unmask) push(model, origins, rec, link, 'package.unmask', text, [], where);
  const env = tokens(spec.env, validateEnvFileName, where, 'env')?.filter((name) => keepEnv(options, name));
  if (env?.length) {
    push(model, origins, rec, link, 'package.env', text, env, where);
    for (const name of env) {
      if (!DBG_ENV_FILES[name]) continue;
      rec.env.push(name);
      if (!model.env[name]) model.env[name] = DBG_ENV_FILES[name]!;
    }
  }
  if (spec.patches) {
    for (const name in spec.patches) {
      if (!PATCH_NAME_RE.test(name)) {
        throw new BinfarmError('E_GRAMMAR', `${where}: patch name "${name}" must be a file name ending in .patch or .diff`, {
          hint: 'Portage applies /etc/portage/patches/<cat>/<pn>/*.patch in lexical order; name them e.g. "0001-fix-build.patch".',
        });
      }
      const patch = { target: patchTarget(atom), name, content: spec.patches[name]! };
      rec.patches.push(patch);
      model.patches.push({ contributor: link.contributor, ...patch });
    }
  }
  if (spec.deps) {
    for (const dep in spec.deps) addAtom(farm, options, link, model, origins, rec, set, dep, spec.deps[dep] ?? {}, `${where}, dep "${dep}"`, true);
  }
  return text;
}

function validateUseTokenInList(t: string): string {
  return validateUseToken(t);
}

function push(
  model: PortageModel,
  origins: EntryOrigins,
  rec: Contribution,
  link: ChainLink,
  kind: PackageEntry['kind'],
  atom: string,
  tokens: string[],
  where: string,
): void {
  const entry: PackageEntry = { kind, contributor: link.contributor, atom, tokens };
  model.entries.push(entry);
  origins.set(entry, where);
  rec.entries.push({ kind, atom, tokens: tokens.slice(), where });
}

/** The list's tokens (an item with spaces is several tokens), each validated; undefined when the list is absent. */
function tokens(list: string[] | undefined, validate: (t: string) => string, where: string, key: string): string[] | undefined {
  if (list === undefined) return undefined;
  const out: string[] = [];
  for (const item of list) {
    const s = String(item);
    for (const t of s.includes(' ') || s.includes('\t') ? s.split(/\s+/).filter(Boolean) : [s]) {
      try {
        validate(t);
      } catch (e) {
        throw withContext(e, `${where}, ${key}`);
      }
      out.push(t);
    }
  }
  return out;
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
