import { grammarError } from './error.ts';
import { CATEGORY_RE, PN_RE, REPO_RE, SLOT_RE, USE_FLAG_RE } from './names.ts';
import { PN_VERSION_RE, VERSION_RE } from './version.ts';

export type AtomOperator = '<' | '<=' | '=' | '~' | '>=' | '>';

/** One item of a USE dependency `[a,-b,c?,!d?,e=,!f=,g(+)]` (PMS §8.3.4). */
export interface UseDep {
  flag: string;
  /** `-` (must be disabled) or `!` (conditional on the flag being disabled). */
  prefix?: '-' | '!';
  /** `?` (conditional) or `=` (same state as the parent). */
  suffix?: '?' | '=';
  /** `(+)` or `(-)`: assume this state when the package lacks the flag. */
  default?: '+' | '-';
}

export interface Atom {
  /** The text as written. */
  text: string;
  blocker?: '!' | '!!';
  op?: AtomOperator;
  /** `*` when a wildcard (config files only). */
  category: string;
  /** `*` when a wildcard (config files only). */
  pn: string;
  /** Version including revision, e.g. `4.10.6_p2` or `1.9.0-r2`. */
  version?: string;
  /** `=cat/pn-1.2*` */
  glob?: boolean;
  slot?: string;
  subslot?: string;
  /** `:=` or `:*` (dependency strings only). */
  slotOp?: '=' | '*';
  repo?: string;
  useDeps: UseDep[];
}

export interface ParseAtomOptions {
  /**
   * `config` (default): /etc/portage files, sets and binfarm specs — no blockers, no slot
   * operators. `dep`: ebuild-style dependency strings.
   */
  context?: 'config' | 'dep';
  /** Accept wildcards `*` + `/` + `*`, `cat/` + `*` and `*` + `/pn` (package.* files accept them; sets do not). Default false. */
  allowWildcard?: boolean;
}

const OPERATORS: AtomOperator[] = ['<=', '>=', '<', '>', '=', '~'];
const USE_DEP_RE = /^(!)?(-)?([A-Za-z0-9][A-Za-z0-9+_@-]*)(\([+-]\))?([?=])?$/;

/**
 * Parses a package atom per PMS §8.3 (`[!|!!][op]cat/pn[-ver][*][:slot[/sub][=|*]][::repo][[use]]`).
 * Every error is E_ATOM quoting the atom and the column, and saying what was expected.
 */
export function parseAtom(text: string, opts: ParseAtomOptions = {}): Atom {
  const context = opts.context ?? 'config';
  const fail = (index: number, expected: string, hint?: string) => grammarError('E_ATOM', 'atom', text, index, expected, hint);
  if (text.length === 0) throw fail(0, 'a package atom such as "dev-libs/foo" or ">=dev-libs/foo-1.2"');
  if (/\s/.test(text))
    throw fail(text.search(/\s/), 'no whitespace inside an atom', 'Each atom is one word; put USE flags in `use: [...]`, not after the atom.');

  let pos = 0;
  const atom: Atom = { text, category: '', pn: '', useDeps: [] };

  if (text.startsWith('!')) {
    if (context !== 'dep') {
      throw fail(
        0,
        'a package atom without a blocker',
        'Blockers ("!atom", "!!atom") are only valid in dependency strings, not in config files or sets; use `mask: true` to keep a package out.',
      );
    }
    atom.blocker = text.startsWith('!!') ? '!!' : '!';
    pos += atom.blocker.length;
  }
  const op = OPERATORS.find((o) => text.startsWith(o, pos));
  if (op) {
    atom.op = op;
    pos += op.length;
  }

  // category
  const slash = text.indexOf('/', pos);
  if (slash < 0) {
    throw fail(text.length, 'a "/" between category and package name (e.g. "dev-libs/boost")',
      'Portage needs the full category/package name here; search the category with `eix` or packages.gentoo.org.');
  }
  const category = text.slice(pos, slash);
  if (category === '*' && opts.allowWildcard) {
    atom.category = '*';
  } else if (!CATEGORY_RE.test(category)) {
    throw fail(
      pos + firstBad(category, /[A-Za-z0-9_]/, /[A-Za-z0-9+_.-]/),
      category === '*' ? 'a category name (wildcards are not valid here)' : 'a category name (letters, digits, "+", "_", ".", "-")',
    );
  }
  atom.category = category;
  pos = slash + 1;

  // package name and version run up to the slot, repo or USE dependency part
  let end = text.length;
  for (const m of [text.indexOf(':', pos), text.indexOf('[', pos)]) if (m >= 0 && m < end) end = m;
  const pkg = text.slice(pos, end);
  if (!pkg) throw fail(pos, 'a package name after "/"');
  if (pkg === '*' && opts.allowWildcard) {
    if (op) throw fail(pos, 'a package name with a version (an operator needs a version, not "*")');
    atom.pn = '*';
  } else if (op) {
    const m = PN_VERSION_RE.exec(pkg);
    if (!m) {
      const dash = pkg.lastIndexOf('-');
      const vIndex = dash >= 0 ? pos + dash + 1 : pos + pkg.length;
      throw fail(vIndex, `a version after the package name because of the "${op}" operator, e.g. "${op}${category}/${pkg.replace(/-[^-]*$/, '')}-1.2.3"`,
        'Versions look like 1.2.3, 1.2.3a, 1.2.3_rc1, 1.2.3_p2 or 1.2.3-r1; drop the operator to mean any version.');
    }
    const [, pn, version, star] = m as unknown as [string, string, string, string];
    checkPn(pn, pos, fail);
    atom.pn = pn;
    atom.version = version;
    if (star) {
      if (op !== '=') throw fail(pos + pkg.length - 1, `no "*" (a version glob is only valid with "=", e.g. "=${category}/${pn}-${version}*")`);
      atom.glob = true;
    }
    if (op === '~' && /-r\d+$/.test(version)) {
      throw fail(pos + pn.length + 1 + version.search(/-r\d+$/), 'a version without revision after "~" ("~" already matches every revision)');
    }
  } else {
    const m = PN_VERSION_RE.exec(pkg);
    if (m && !pkg.endsWith('*') && PN_RE.test(m[1]!)) {
      throw fail(pos + m[1]!.length + 1, 'a package name without a version (a version needs an operator such as "=")',
        `A version needs an operator: write "=${category}/${pkg}" for exactly this version, or "${category}/${m[1]}" for any version.`);
    }
    checkPn(pkg, pos, fail);
    atom.pn = pkg;
  }
  pos = end;

  // :slot[/subslot][=|*]
  if (text[pos] === ':' && text[pos + 1] !== ':') {
    pos++;
    let sEnd = text.length;
    for (const m of [text.indexOf('::', pos), text.indexOf('[', pos)]) if (m >= 0 && m < sEnd) sEnd = m;
    let slotText = text.slice(pos, sEnd);
    if (slotText.endsWith('=') || slotText === '*') {
      if (context !== 'dep') {
        throw fail(
          pos + slotText.length - 1,
          'a slot name without an operator',
          `Slot operators (":=", ":*", ":slot=") are only valid in ebuild dependencies; in config files write a plain slot such as "${category}/${atom.pn}:0".`,
        );
      }
      atom.slotOp = slotText === '*' ? '*' : '=';
      slotText = slotText === '*' ? '' : slotText.slice(0, -1);
    }
    if (slotText) {
      const [slot, sub, extra] = slotText.split('/');
      if (extra !== undefined) throw fail(pos + slot!.length + 1 + sub!.length, 'at most one "/" in ":slot/subslot"');
      if (!SLOT_RE.test(slot!)) throw fail(pos + firstBad(slot!, /[A-Za-z0-9_]/, /[A-Za-z0-9+_.-]/), 'a slot name (letters, digits, "+", "_", ".", "-")');
      atom.slot = slot;
      if (sub !== undefined) {
        if (!SLOT_RE.test(sub)) throw fail(pos + slot!.length + 1 + firstBad(sub, /[A-Za-z0-9_]/, /[A-Za-z0-9+_.-]/), 'a sub-slot name after "/"');
        atom.subslot = sub;
      }
    } else if (!atom.slotOp) {
      throw fail(pos, 'a slot name after ":"');
    }
    pos = sEnd;
  }

  // ::repo
  if (text.startsWith('::', pos)) {
    pos += 2;
    let rEnd = text.indexOf('[', pos);
    if (rEnd < 0) rEnd = text.length;
    const repo = text.slice(pos, rEnd);
    if (repo.includes(':')) throw fail(pos + repo.indexOf(':'), 'the slot (":slot") before the repository ("::repo")');
    if (!REPO_RE.test(repo)) throw fail(pos + firstBad(repo, /[A-Za-z0-9_]/, /[A-Za-z0-9_-]/), 'a repository name after "::" (letters, digits, "_", "-")');
    atom.repo = repo;
    pos = rEnd;
  }

  // [use deps]
  if (text[pos] === '[') {
    const close = text.indexOf(']', pos);
    if (close < 0) throw fail(text.length, 'a closing "]" for the USE dependency');
    const body = text.slice(pos + 1, close);
    if (!body) throw fail(pos + 1, 'at least one USE flag inside "[]"');
    let itemStart = pos + 1;
    for (const item of body.split(',')) {
      atom.useDeps.push(parseUseDep(item, itemStart, fail));
      itemStart += item.length + 1;
    }
    pos = close + 1;
  }

  if (pos !== text.length) {
    throw fail(pos, text[pos] === ':' ? 'the slot (":slot") before the repository ("::repo")' : 'the end of the atom ([use] dependencies come last)');
  }
  return atom;
}

function parseUseDep(item: string, at: number, fail: (i: number, e: string, h?: string) => Error): UseDep {
  const m = USE_DEP_RE.exec(item);
  if (!m) {
    const flagStart = item.replace(/^[!-]+/, '');
    const offset = item.length - flagStart.length;
    const bad = USE_FLAG_RE.test(flagStart.replace(/(\([+-]\))?[?=]?$/, '')) ? item.length : offset + firstBad(flagStart, /[A-Za-z0-9]/, /[A-Za-z0-9+_@-]/);
    throw fail(at + bad, 'a USE dependency such as "flag", "-flag", "flag?", "!flag?", "flag=", "!flag=" or "flag(+)"');
  }
  const [, bang, minus, flag, dflt, suffix] = m;
  if (bang && minus) throw fail(at + 1, 'either "!" or "-" before a USE flag, not both');
  if (bang && !suffix) throw fail(at + item.length, '"?" or "=" after "!flag" (a "!" USE dependency is conditional)');
  if (minus && suffix) throw fail(at + item.length - 1, 'no "?" or "=" after "-flag"');
  const dep: UseDep = { flag: flag! };
  if (bang) dep.prefix = '!';
  if (minus) dep.prefix = '-';
  if (suffix) dep.suffix = suffix as '?' | '=';
  if (dflt) dep.default = dflt[1] as '+' | '-';
  return dep;
}

function checkPn(pn: string, at: number, fail: (i: number, e: string, h?: string) => Error): void {
  if (!PN_RE.test(pn)) throw fail(at + firstBad(pn, /[A-Za-z0-9_]/, /[A-Za-z0-9+_-]/), 'a package name (letters, digits, "+", "_", "-")');
}

function firstBad(text: string, first: RegExp, rest: RegExp): number {
  if (!text || !first.test(text[0]!)) return 0;
  for (let i = 1; i < text.length; i++) if (!rest.test(text[i]!)) return i;
  return text.length;
}

/** `cat/pn`: the key of the `farm.hooks.atom` HookMap and of patches/<cat>/<pn>. */
export function atomKey(atom: Atom | string): string {
  const a = typeof atom === 'string' ? parseAtom(atom, { allowWildcard: true }) : atom;
  return `${a.category}/${a.pn}`;
}

/** Canonical text of an atom (what Portage would print). */
export function formatAtom(a: Atom): string {
  let s = `${a.blocker ?? ''}${a.op ?? ''}${a.category}/${a.pn}`;
  if (a.version !== undefined) s += `-${a.version}${a.glob ? '*' : ''}`;
  if (a.slot !== undefined || a.slotOp) s += `:${a.slot ?? ''}${a.subslot !== undefined ? `/${a.subslot}` : ''}${a.slotOp ?? ''}`;
  if (a.repo) s += `::${a.repo}`;
  if (a.useDeps.length) {
    s += `[${a.useDeps.map((u) => `${u.prefix ?? ''}${u.flag}${u.default ? `(${u.default})` : ''}${u.suffix ?? ''}`).join(',')}]`;
  }
  return s;
}

/** Version in `patches/<cat>/<pn>-<ver>` terms: only `=` atoms name one version. */
export function patchTarget(a: Atom): string {
  if (a.op === '=' && a.version && !a.glob) return `${a.category}/${a.pn}-${a.version}`;
  return `${a.category}/${a.pn}`;
}

/** Re-exported for convenience. */
export { VERSION_RE };
