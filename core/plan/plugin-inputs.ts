/**
 * The `plugin:<name>` inputs of a subject's key: the version of every plugin that contributed
 * to it (core/hook-contributions.ts says what counts), and of no other. A plugin that only
 * writes a report in `done` is in no key; one that changes an atom of `hep-core` is in the key
 * of `hep-core` (and reaches its descendants through their parent key).
 */
import type { FarmContext } from '../types.ts';
import { contributionsTo, everySubjectTaps } from '../hook-contributions.ts';

/** `plugin:<name>` → version for the plugins that contributed to `subject` so far. */
export function pluginInputs(farm: FarmContext, subject: string): Record<string, string> {
  const versions: Record<string, string> = Object.fromEntries(farm.plugins.map((p) => [p.name, p.version ?? '0']));
  const names = new Set([...contributionsTo(farm.hooks, subject).keys(), ...everySubjectTaps(farm.hooks).keys()]);
  const out: Record<string, string> = {};
  // a tap named after no plugin still contributed: it counts, unversioned
  for (const name of [...names].sort()) out[`plugin:${name}`] = versions[name] ?? '0';
  return out;
}
