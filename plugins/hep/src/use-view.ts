import { atomKey, type AtomSpec, type PackageSets, type PortageModel } from 'binfarm';

/**
 * The USE state of the packages of one subject, as Portage resolves package.use: lines in
 * order, `-flag` turns a flag off, `-*` clears, and wildcard lines (`* /*`, `cat/*`) apply
 * before the package's own lines. Flags nobody set are "unset" (the ebuild's IUSE default).
 * Built from a subject chain's package sets (before rendering) or from a finished Portage
 * model (after every plugin's hooks), so the rules see exactly what Portage will see.
 */
export class UseView {
  private readonly lines: Array<{ cp: string; kind: 'use' | 'env'; tokens: string[] }> = [];
  private readonly mentioned = new Set<string>();

  constructor(readonly subject: string) {}

  /** A package the subject's sets emerge, or one of their configured dependencies. */
  mention(cp: string): void {
    this.mentioned.add(cp);
  }

  addUse(cp: string, tokens: readonly string[]): void {
    this.mention(cp);
    this.lines.push({ cp, kind: 'use', tokens: [...tokens] });
  }

  addEnv(cp: string, tokens: readonly string[]): void {
    this.mention(cp);
    this.lines.push({ cp, kind: 'env', tokens: [...tokens] });
  }

  has(cp: string): boolean {
    return this.mentioned.has(cp);
  }

  /** true (on), false (off) or undefined (nobody set it). */
  flag(cp: string, flag: string): boolean | undefined {
    let state: boolean | undefined;
    for (const line of this.ordered(cp, 'use')) {
      let expand = false;
      for (const t of line.tokens) {
        if (/^[A-Z][A-Z0-9_]*:$/.test(t)) expand = true; // USE_EXPAND values follow
        if (expand) continue;
        if (t === '-*') state = undefined;
        else if (t === flag) state = true;
        else if (t === `-${flag}`) state = false;
      }
    }
    return state;
  }

  on(cp: string, flag: string): boolean {
    return this.flag(cp, flag) === true;
  }

  /** env files applied to the package (package.env). */
  env(cp: string): string[] {
    return this.ordered(cp, 'env').flatMap((l) => l.tokens);
  }

  private ordered(cp: string, kind: 'use' | 'env') {
    const matching = this.lines.filter((l) => l.kind === kind && matches(l.cp, cp));
    const wild = matching.filter((l) => l.cp.includes('*'));
    return [...wild, ...matching.filter((l) => !l.cp.includes('*'))];
  }
}

function matches(pattern: string, cp: string): boolean {
  if (pattern === cp) return true;
  const [pc, pp] = pattern.split('/');
  const [c, p] = cp.split('/');
  return (pc === '*' || pc === c) && (pp === '*' || pp === p);
}

/** The view of a chain of package sets, parents first (what the layers declare). */
export function viewFromSets(subject: string, chain: readonly PackageSets[]): UseView {
  const view = new UseView(subject);
  const add = (atom: string, spec: AtomSpec | null | undefined): void => {
    const cp = atomKey(atom);
    view.mention(cp);
    if (spec?.use?.length) view.addUse(cp, spec.use);
    if (spec?.env?.length) view.addEnv(cp, spec.env);
    for (const [dep, depSpec] of Object.entries(spec?.deps ?? {})) add(dep, depSpec);
  };
  for (const sets of chain) for (const atoms of Object.values(sets)) for (const [atom, spec] of Object.entries(atoms)) add(atom, spec);
  return view;
}

/** The view of a finished Portage model: package.use and package.env files in the order Portage reads them. */
export function viewFromModel(subject: string, model: PortageModel): UseView {
  const view = new UseView(subject);
  for (const atoms of Object.values(model.sets)) {
    for (const atom of atoms) if (!atom.startsWith('@')) view.mention(atomKey(atom));
  }
  // files under package.use/ are read in lexical order of their names, lines in order
  const entries = model.entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.contributor < b.e.contributor ? -1 : a.e.contributor > b.e.contributor ? 1 : a.i - b.i));
  for (const { e } of entries) {
    if (e.kind === 'package.use') view.addUse(atomKey(e.atom), e.tokens);
    else if (e.kind === 'package.env') view.addEnv(atomKey(e.atom), e.tokens);
  }
  return view;
}
