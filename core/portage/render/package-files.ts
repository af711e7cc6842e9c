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
    const atoms = group.map((e) => e.atom);
    const lines = group.map((e) => (e.tokens.length ? `${e.atom} ${e.tokens.join(' ')}` : e.atom));
    const id = `${path}\n${lines.join('\n')}`;
    const hit = recent.get(id);
    if (hit && hit.contributor === contributor && sameStrings(hit.atoms, atoms) && sameStrings(hit.lines, lines)) {
      out.set(path, hit.text);
      continue;
    }
    const rows = group.map((e, i) => ({ i, key: atomSortKey(e.atom), line: lines[i]! }));
    rows.sort((a, b) => byString(a.key, b.key) || a.i - b.i);
    const seen = new Set<string>();
    let text = header(contributor);
    for (const r of rows) {
      if (seen.has(r.line)) continue;
      seen.add(r.line);
      text += `${r.line}\n`;
    }
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(id, { contributor, atoms, lines, text });
    out.set(path, text);
  }
}

/**
 * Recently rendered files by their unsorted lines: an ancestor's package files come back
 * unchanged in every descendant's model, and sorting them again is most of a plan's render
 * time. A hit is checked entry by entry, so the output is exactly what sorting gives.
 */
const recent = new Map<string, { contributor: string; atoms: string[]; lines: string[]; text: string }>();
const RECENT_MAX = 256;

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
