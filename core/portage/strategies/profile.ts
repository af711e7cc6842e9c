import { symlinkTarget } from '../render/conventions.ts';
import type { PatchStrategy } from '../strategy.ts';

/**
 * Installs the custom profile: the overlay repository's files (profiles/repo_name,
 * metadata/layout.conf, profiles/<name>/...) and the make.profile link into it.
 */
export const profileStrategy = {
  name: 'profile',
  description: "install the custom profile's overlay repository and link make.profile to it",
  apply({ path, content, existing }) {
    if (existing === content) return { ops: [], log: [] };
    const target = symlinkTarget(content);
    if (target !== undefined) {
      return { ops: [{ op: 'symlink', path, target }], log: [`profile: ${path} -> ${target}`] };
    }
    return { ops: [{ op: 'write', path, content }], log: [`profile: ${existing === undefined ? 'create' : 'update'} ${path}`] };
  },
} satisfies PatchStrategy;
