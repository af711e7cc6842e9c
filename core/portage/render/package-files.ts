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
  const groups = new Map<string, { contributor: string; entries: PackageEntry[] }>();
  for (const e of entries) {
    const path = `${e.kind}/${e.contributor}`;
    let g = groups.get(path);
    if (!g) groups.set(path, (g = { contributor: checkContributor(e.contributor), entries: [] }));
    g.entries.push(e);
  }
  for (const [path, { contributor, entries: group }] of groups) {
    const rows = group.map((e, i) => ({ i, key: atomSortKey(e.atom), line: e.tokens.length ? `${e.atom} ${e.tokens.join(' ')}` : e.atom }));
    rows.sort((a, b) => byString(a.key, b.key) || a.i - b.i);
    const seen = new Set<string>();
    let text = header(contributor);
    for (const r of rows) {
      if (seen.has(r.line)) continue;
      seen.add(r.line);
      text += `${r.line}\n`;
    }
    out.set(path, text);
  }
}
