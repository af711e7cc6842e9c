/**
 * The `cat/pn` keys plugins opened on `hooks.atom` (HookMap.for creates a hook per key; the
 * renderer only looks keys up). Kept so the farm can warn about an atom hook that no set of any
 * subject contains: a typo in `atom.for('sci-physic/root')` would otherwise do nothing, silently.
 */
import type { HookMap } from 'tapable';

const keys = new WeakMap<object, Set<string>>();

export function trackAtomHookKeys<H>(map: HookMap<H>): HookMap<H> {
  const set = new Set<string>();
  keys.set(map, set);
  map.intercept({
    factory: (key: unknown, hook: H) => {
      set.add(String(key));
      return hook;
    },
  } as never);
  return map;
}

/** Keys whose hook has at least one tap. */
export function tappedAtomHookKeys<H extends { taps: unknown[] }>(map: HookMap<H>): string[] {
  return [...(keys.get(map) ?? [])].filter((k) => (map.get(k)?.taps.length ?? 0) > 0);
}
