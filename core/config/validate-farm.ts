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

export async function validateFarm(farm: Farm): Promise<void> {
  const where = farm.configFile ?? 'the configuration';
  const subjects = farm.subjects();
  checkAcyclic(subjects);
  const names = Object.keys(farm.options.assemble);
  if (!names.length) return;
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
}
