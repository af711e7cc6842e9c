import { symlinkTarget } from '../render/conventions.ts';
import type { PatchStrategy } from '../strategy.ts';

/** make.conf syntax: make.conf itself, files of a make.conf/ directory, env/*.conf, make.defaults. */
export function isMakeConfSyntax(path: string): boolean {
  return /(^|\/)make\.conf$|\/make\.conf\/[^/]+$|\/env\/[^/]+\.conf$|\/make\.defaults$/.test(path);
}

/**
 * make.conf-aware merge: binfarm's variables go into the image's make.conf with Portage's rules
 * (incremental tokens stacked with -token/-* applied, other variables overridden; comments and
 * order kept; see core/portage/makeconf/merge-existing.ts). Other files keep their lines and gain binfarm's missing ones.
 */
export const mergeStrategy = {
  name: 'merge',
  description: "merge binfarm's settings into the image's file (make.conf-aware)",
  apply({ path, content, existing, tools }) {
    if (symlinkTarget(content) !== undefined || existing === undefined) {
      const target = symlinkTarget(content);
      if (target !== undefined) return { ops: [{ op: 'symlink', path, target }], log: [`link ${path} -> ${target}`] };
      return { ops: [{ op: 'write', path, content }], log: [`create ${path} (nothing to merge with)`] };
    }
    if (isMakeConfSyntax(path)) {
      const r = tools.mergeMakeConf(existing, content, path, `${path} (binfarm)`);
      if (r.mode === 'unchanged') return { ops: [], log: [] };
      return { ops: [{ op: 'write', path, content: r.text }], log: [`merge ${path} (${r.mode}):`, ...r.log.map((l) => `  ${l}`)] };
    }
    const have = new Set(existing.split('\n'));
    const missing = content.split('\n').filter((l) => l && !l.startsWith('#') && !have.has(l));
    if (!missing.length) return { ops: [], log: [] };
    const text = `${existing}${existing.endsWith('\n') || !existing ? '' : '\n'}${missing.map((l) => `${l}\n`).join('')}`;
    return { ops: [{ op: 'write', path, content: text }], log: [`merge ${path}: added ${missing.length} line(s)`] };
  },
} satisfies PatchStrategy;
