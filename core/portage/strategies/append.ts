import type { PatchStrategy } from '../strategy.ts';

/** Appends binfarm's content to the image's file, once: a file that already contains it is left alone. */
export const appendStrategy = {
  name: 'append',
  description: "append binfarm's content to the image's file (once)",
  apply({ path, content, existing }) {
    if (content.startsWith('symlink:')) {
      throw new Error(`the append strategy cannot apply a symbolic link (${path}); choose overwrite or profile for it`);
    }
    if (existing === undefined) return { ops: [{ op: 'write', path, content }], log: [`create ${path}`] };
    if (!content || existing.includes(content)) return { ops: [], log: [] };
    const text = `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}${content}`;
    return { ops: [{ op: 'write', path, content: text }], log: [`append ${content.split('\n').filter(Boolean).length} line(s) to ${path}`] };
  },
} satisfies PatchStrategy;
