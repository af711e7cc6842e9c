import type { PackageEntry, PackageFileKind } from '../model.ts';
import { atomSortKey, byString, checkContributor, header } from './conventions.ts';

export const PACKAGE_FILE_KINDS: readonly PackageFileKind[] = [
  'package.use',
  'package.accept_keywords',
  'package.license',
  'package.mask',
  'package.unmask',
  'package.env',
];

/**
 * One file per (kind, contributor): `package.use/51-hep-core`. Lines are sorted by package
 * (stable, so several lines of one atom keep their order; Portage orders package.* matches by
 * atom specificity, not by line order across packages) and exact duplicates are dropped.
 */
export function renderPackageFiles(entries: readonly PackageEntry[], out: Map<string, string>): void {
  const groups = new Map<string, PackageEntry[]>();
  for (const e of entries) {
    const path = `${e.kind}/${checkContributor(e.contributor)}`;
    let g = groups.get(path);
    if (!g) groups.set(path, (g = []));
    g.push(e);
  }
  for (const [path, group] of groups) {
    const lines = group
      .map((e, i) => ({ i, key: atomSortKey(e.atom), line: [e.atom, ...e.tokens].join(' ') }))
      .sort((a, b) => byString(a.key, b.key) || a.i - b.i)
      .map((x) => x.line);
    const contributor = path.slice(path.indexOf('/') + 1);
    out.set(path, header(contributor) + [...new Set(lines)].map((l) => `${l}\n`).join(''));
  }
}
