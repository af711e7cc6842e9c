import type { Plugin } from './types.ts';
import { BinfarmError } from './errors.ts';
import { BUILTIN_PREFIX, isBuiltinName } from './builtin-taps.ts';

export type { Plugin, PluginOption } from './types.ts';

/** Identity helper for inference (the unjs `define*` pattern). */
export function definePlugin<T extends Plugin>(plugin: T): T {
  return plugin;
}

/**
 * Flattens `plugins: [...]` and checks each entry's shape. The position in the error is the
 * index path in the user's array, e.g. `plugins[2][0]`.
 */
export function normalizePlugins(option: unknown, source = 'plugins'): Plugin[] {
  const out: Plugin[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    if (!value) return;
    const candidate = value as Partial<Plugin>;
    if (typeof value !== 'object' && typeof value !== 'function') {
      throw invalid(path, `got ${typeof value} ${JSON.stringify(value)}`);
    }
    if (typeof candidate.apply !== 'function') {
      throw invalid(path, 'it has no apply(farm) method');
    }
    if (typeof value === 'function' && candidate.apply === Function.prototype.apply) {
      // Every function has Function.prototype.apply: a bare factory is not a plugin.
      throw invalid(path, `it is the function ${(value as { name?: string }).name || '(anonymous)'}, not a plugin object`);
    }
    const name = candidate.name ?? (candidate.constructor?.name !== 'Object' ? candidate.constructor?.name : undefined);
    if (typeof name !== 'string' || !name) {
      throw invalid(path, 'it has no name');
    }
    out.push(name === candidate.name ? (candidate as Plugin) : Object.assign(candidate as Plugin, { name }));
  };
  walk(option, source);
  const seen = new Set<string>();
  for (const p of out) {
    if (isBuiltinName(p.name)) {
      throw new BinfarmError('E_PLUGIN_INVALID', `the plugin "${p.name}" uses the prefix "${BUILTIN_PREFIX}", which is reserved for binfarm's built-in plugins`, {
        hint: `Rename the plugin (e.g. "${p.name.slice(BUILTIN_PREFIX.length) || 'my-plugin'}"); binfarm treats taps of "${BUILTIN_PREFIX}" plugins as its own.`,
      });
    }
    if (seen.has(p.name)) {
      throw new BinfarmError('E_PLUGIN_INVALID', `two plugins are named "${p.name}"`, {
        hint: 'Tap names identify plugins; give each plugin instance its own name.',
      });
    }
    seen.add(p.name);
  }
  return out;
}

function invalid(path: string, why: string): BinfarmError {
  return new BinfarmError('E_PLUGIN_INVALID', `${path} is not a plugin: ${why}`, {
    hint: 'A plugin is { name: string, apply(farm) { ... } }. Did you forget to call the plugin factory, e.g. hep() instead of hep?',
  });
}
