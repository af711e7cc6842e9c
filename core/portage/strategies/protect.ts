import { symlinkTarget } from '../render/conventions.ts';
import type { PatchStrategy } from '../strategy.ts';

/** `._cfg0000_<name>`, `._cfg0001_<name>`, ...: the first name not taken in the directory (docs/internals/gentoo.md#config-protect). */
export function cfgName(name: string, siblings: ReadonlySet<string>): string {
  for (let n = 0; n < 10000; n++) {
    const candidate = `._cfg${String(n).padStart(4, '0')}_${name}`;
    if (!siblings.has(candidate)) return candidate;
  }
  throw new Error(`no free ._cfgNNNN_${name} name left (clean up the directory)`);
}

/**
 * CONFIG_PROTECT behaviour: the new content goes to `._cfg0000_<name>` next to the existing
 * file (the next free number when 0000 exists), then an etc-update-like step moves it over the
 * original and logs a unified diff of the change. A missing file is simply created.
 */
export const protectStrategy = {
  name: 'protect',
  description: 'write ._cfg0000_<name>, then replace the file like etc-update and log the diff',
  apply({ path, content, existing, siblings, tools }) {
    if (symlinkTarget(content) !== undefined) {
      throw new Error(`the protect strategy cannot apply a symbolic link (${path}); choose overwrite or profile for it`);
    }
    if (existing === undefined) return { ops: [{ op: 'write', path, content }], log: [`create ${path} (no existing file to protect)`] };
    if (existing === content) return { ops: [], log: [] };
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash);
    const cfg = `${dir}/${cfgName(path.slice(slash + 1), siblings)}`;
    const diff = tools.unifiedDiff(existing, content, `a${path}`, `b${path}`);
    return {
      ops: [
        { op: 'write', path: cfg, content },
        { op: 'rename', from: cfg, to: path },
      ],
      log: [`protect: wrote ${cfg}`, `etc-update: ${cfg} replaces ${path}:`, ...diff.trimEnd().split('\n').map((l) => `  ${l}`)],
    };
  },
} satisfies PatchStrategy;
