/**
 * Checks that need the whole farm (plugins applied), made when a command creates it rather than
 * when a run reaches the value: subjects contributed by plugins, the parent graph, and the
 * `assemble` entries (their `from` subject, their atoms, names that would clash with a subject's
 * images). Each problem is a config error (exit 2) naming the key and, for plugin
 * contributions, the plugin.
 */
import type { Farm } from '../farm.ts';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import { checkAcyclic } from '../plan/dag.ts';
import { tappedAtomHookKeys } from '../portage/atom-hook-keys.ts';
import { atomKey, parseAtom } from '../portage/grammar/index.ts';
import type { AtomSpec } from '../subject/types.ts';
import { needsSubjectSchemas } from '../subject/resolve.ts';
import { subjectSchemas } from '../subject/spec-check.ts';
import { didYouMean } from './suggest.ts';

/** Throws on the first problem; returns warnings (things that are allowed but probably wrong). */
export async function validateFarm(farm: Farm): Promise<string[]> {
  const where = farm.configFile ?? 'the configuration';
  // Loading the subject schemas (zod) registers them for farm.subjects(), when it needs them.
  if (needsSubjectSchemas(farm) && !subjectSchemas()) await import('./schema/subject.ts');
  const subjects = farm.subjects();
  checkAcyclic(subjects);
  const warnings = unusedAtomHooks(farm);
  const names = Object.keys(farm.options.assemble);
  if (!names.length) return warnings;
  const { resolveAssemblySpec } = await import('../assemble/spec.ts');
  for (const name of names) {
    try {
      resolveAssemblySpec(farm.options, name, {}, subjects.keys());
    } catch (e) {
      if (!isBinfarmError(e)) throw e;
      const message = e.message.startsWith(`assembly "${name}"`) || e.message.startsWith(`assemble.${name}`) ? e.message : `assemble.${name}: ${e.message}`;
      throw new BinfarmError('E_CONFIG_INVALID', `${where}: ${message}`, { hint: e.hint, cause: e, details: { key: `assemble.${name}` } });
    }
  }
  return warnings;
}

/** The cat/pn of each atom and of its `deps` (nested): the atom hook runs for deps too (core/portage/model-from-sets.ts). */
function addAtomKeys(atoms: Record<string, AtomSpec | null | undefined>, into: Set<string>, isDep: boolean): void {
  for (const [text, spec] of Object.entries(atoms)) {
    try {
      into.add(atomKey(parseAtom(text, { context: 'config', allowWildcard: isDep })));
    } catch {
      // invalid atoms are reported where the sets are rendered
    }
    if (spec?.deps) addAtomKeys(spec.deps, into, true);
  }
}

/** Atom hooks (`hooks.atom.for('cat/pn')`) that no set of any subject contains: they never run. */
function unusedAtomHooks(farm: Farm): string[] {
  const tapped = tappedAtomHookKeys(farm.hooks.atom);
  if (!tapped.length) return [];
  const inSets = new Set<string>();
  for (const s of farm.subjects().values()) {
    for (const atoms of Object.values(s.sets)) addAtomKeys(atoms, inSets, false);
  }
  const all = [...inSets];
  return tapped
    .filter((k) => !inSets.has(k))
    .map((k) => {
      const by = farm.hooks.atom.get(k)!.taps.map((t) => `"${t.name}"`).join(', ');
      return `plugin ${by} taps hooks.atom for "${k}", which no package set of any subject contains: the tap never runs${didYouMean(k, all)}`;
    });
}
