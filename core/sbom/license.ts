/**
 * A Gentoo `LICENSE` value (PMS §7.3: names, `|| ( … )` any-of groups, `( … )` all-of groups and
 * `flag? ( … )` / `!flag? ( … )` USE conditionals) as an SPDX 2.3 licence expression for one
 * installed package: conditionals are decided by the package's USE, names become
 * `LicenseRef-<name>` (Gentoo's names are the files under licenses/ of the ebuild repository, not
 * SPDX identifiers: `GPL-2` there is not the same claim as SPDX `GPL-2.0-only`, so nothing is
 * guessed), all-of groups become AND, any-of groups OR.
 */

/** `LicenseRef-` + the name in SPDX idstring characters (`+` spelled out so `GPL-2+` and `GPL-2` stay apart). */
export function licenseRef(name: string): string {
  return `LicenseRef-${name.replace(/\+/g, '-plus').replace(/[^A-Za-z0-9.-]/g, '-')}`;
}

type Node = { kind: 'name'; name: string } | { kind: 'all' | 'any'; items: Node[] };

function parse(tokens: string[], at: { i: number }, use: ReadonlySet<string>, until: boolean): Node[] {
  const items: Node[] = [];
  while (at.i < tokens.length) {
    const t = tokens[at.i++]!;
    if (t === ')') {
      if (until) return items;
      continue; // stray ')': Portage would reject the ebuild; keep what parses
    }
    if (t === '||' && tokens[at.i] === '(') {
      at.i++;
      items.push({ kind: 'any', items: parse(tokens, at, use, true) });
    } else if (t.endsWith('?') && tokens[at.i] === '(') {
      at.i++;
      const inner = parse(tokens, at, use, true);
      const flag = t.slice(0, -1);
      const on = flag.startsWith('!') ? !use.has(flag.slice(1)) : use.has(flag);
      if (on) items.push({ kind: 'all', items: inner });
    } else if (t === '(') {
      items.push({ kind: 'all', items: parse(tokens, at, use, true) });
    } else {
      items.push({ kind: 'name', name: t });
    }
  }
  return items;
}

function render(n: Node, names: Set<string>, top = false): string | undefined {
  if (n.kind === 'name') {
    names.add(n.name);
    return licenseRef(n.name);
  }
  const parts = n.items.map((i) => render(i, names)).filter((s): s is string => !!s);
  if (!parts.length) return undefined;
  if (parts.length === 1) return parts[0];
  const joined = parts.join(n.kind === 'all' ? ' AND ' : ' OR ');
  return top ? joined : `(${joined})`;
}

/** The SPDX expression (or `NOASSERTION` for an empty value) and the Gentoo licence names it uses. */
export function spdxLicense(license: string, use: readonly string[]): { expression: string; names: string[] } {
  const tokens = license.split(/\s+/).filter(Boolean);
  const root: Node = { kind: 'all', items: parse(tokens, { i: 0 }, new Set(use), false) };
  const names = new Set<string>();
  const expression = render(root, names, true);
  if (!expression) return { expression: 'NOASSERTION', names: [] };
  return { expression, names: [...names].sort() };
}
