import { symlinkTarget } from '../render/conventions.ts';
import type { PatchStrategy } from '../strategy.ts';

/** Replaces the file (or link) with binfarm's content; nothing happens when it is already equal. */
export const overwriteStrategy = {
  name: 'overwrite',
  description: "replace the file with binfarm's content",
  apply({ path, content, existing }) {
    if (existing === content) return { ops: [], log: [] };
    const target = symlinkTarget(content);
    if (target !== undefined) return { ops: [{ op: 'symlink', path, target }], log: [`link ${path} -> ${target}`] };
    const lines = content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
    return { ops: [{ op: 'write', path, content }], log: [`${existing === undefined ? 'create' : 'replace'} ${path} (${lines} lines)`] };
  },
} satisfies PatchStrategy;
