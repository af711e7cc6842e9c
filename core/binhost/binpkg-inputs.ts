/**
 * Per-package inputs digest: what changes a package's built files but that Portage does not
 * compare when it decides to reuse a binpkg under --usepkg (it compares only USE with
 * --binpkg-respect-use and dependencies with --binpkg-changed-deps; docs/internals/gentoo.md#emerge-options):
 * - user patches: /etc/portage/patches/<cat>/<pn|p|pf>[:slot]/* (eapply_user applies them);
 * - package.env: the lines whose atom matches the package, and the content of the
 *   /etc/portage/env/<file> each names (CFLAGS, FEATURES, any variable of the ebuild env);
 * - per-package bashrc files: /etc/portage/env/<cat>/<pn|p|pf>[:slot].
 * Everything else per-package is either compared by Portage (package.use, profile USE masks
 * and forces) or chooses which version is built, not what a version's binpkg contains
 * (package.accept_keywords, package.license, package.mask/unmask, package.properties).
 * Global inputs (make.conf, /etc/portage/bashrc) enter the subject's content key and the
 * partition, not this digest.
 *
 * Input: the files of /etc/portage as Portage reads them (path relative to /etc/portage →
 * content). Pure; no I/O.
 */
import { parseAtom } from '../portage/grammar/index.ts';
import { PN_VERSION_RE } from '../portage/grammar/version.ts';
import { sha256, stableHash } from '../util/hash.ts';

/** Digest of a package without per-package inputs (also what binpkgs built before any record count as). */
export const NO_INPUTS = 'none';

export type InputKind = 'patches' | 'package.env' | 'bashrc';

export interface PackageInputs {
  /** `patches/<cat>/<dir>/<name>` → sha256 of the content. */
  patches: Record<string, string>;
  /** package.env lines of this package (`<file>: <atom> <env files>`) and each env file's sha256 (`missing` when absent). */
  env: Record<string, string>;
  /** `env/<cat>/<name>` → sha256. */
  bashrc: Record<string, string>;
}

export interface InputsDigest {
  /** NO_INPUTS, or sha256 over every part. */
  digest: string;
  /** Digest of each non-empty part, so a change can be named ("patches changed"). */
  parts: Partial<Record<InputKind, string>>;
}

interface EnvLine {
  file: string;
  atom: string;
  catRe: RegExp;
  pnRe: RegExp;
  envFiles: string[];
}

/** The per-package inputs of every package in one /etc/portage; `of(cpn)` is memoised. */
export class PerPackageInputs {
  private readonly envLines: EnvLine[] = [];
  /** `<cat>/<pn>` → files of patches/ and env/<cat>/ that belong to it. */
  private readonly patchFiles = new Map<string, string[]>();
  private readonly bashrcFiles = new Map<string, string[]>();
  private readonly memo = new Map<string, InputsDigest>();

  constructor(private readonly files: ReadonlyMap<string, string>) {
    for (const path of [...files.keys()].sort()) {
      if (ignoredByPortage(path)) continue;
      const seg = path.split('/');
      if (seg[0] === 'patches' && seg.length >= 4) addTo(this.patchFiles, `${seg[1]}/${pnOfDir(seg[2]!)}`, path);
      else if (seg[0] === 'env' && seg.length === 3) addTo(this.bashrcFiles, `${seg[1]}/${pnOfDir(seg[2]!)}`, path);
      else if (seg[0] === 'package.env') this.envLines.push(...parsePackageEnv(path, files.get(path)!));
    }
  }

  inputs(cpn: string): PackageInputs {
    const [cat, pn] = splitCpn(cpn);
    const out: PackageInputs = { patches: {}, env: {}, bashrc: {} };
    for (const p of this.patchFiles.get(cpn) ?? []) out.patches[p] = sha256(this.files.get(p)!);
    for (const p of this.bashrcFiles.get(cpn) ?? []) out.bashrc[p] = sha256(this.files.get(p)!);
    let n = 0;
    this.envLines.forEach((l) => {
      if (!l.catRe.test(cat) || !l.pnRe.test(pn)) return;
      // the order of this package's lines matters (later files win), other packages' lines do not
      out.env[`${n++} ${l.file}: ${l.atom}`] = l.envFiles.join(' ');
      for (const f of l.envFiles) {
        const content = this.files.get(`env/${f}`);
        out.env[`env/${f}`] = content === undefined ? 'missing' : sha256(content);
      }
    });
    return out;
  }

  of(cpn: string): InputsDigest {
    let d = this.memo.get(cpn);
    if (!d) this.memo.set(cpn, (d = digestOf(this.inputs(cpn))));
    return d;
  }
}

export function digestOf(inputs: PackageInputs): InputsDigest {
  const parts: Partial<Record<InputKind, string>> = {};
  if (Object.keys(inputs.patches).length) parts.patches = stableHash(inputs.patches);
  if (Object.keys(inputs.env).length) parts['package.env'] = stableHash(inputs.env);
  if (Object.keys(inputs.bashrc).length) parts.bashrc = stableHash(inputs.bashrc);
  if (!Object.keys(parts).length) return { digest: NO_INPUTS, parts };
  return { digest: stableHash({ v: 'binfarm-binpkg-inputs-1', parts }), parts };
}

const KIND_WORDS: Record<InputKind, string> = { patches: 'patches', 'package.env': 'package.env', bashrc: 'per-package bashrc' };

/** Why a binpkg built with `before` is stale now: `patches changed`, `package.env removed`, ... */
export function describeChange(before: Partial<Record<InputKind, string>>, now: Partial<Record<InputKind, string>>): string {
  const out: string[] = [];
  for (const k of Object.keys(KIND_WORDS) as InputKind[]) {
    const a = before[k];
    const b = now[k];
    if (a === b) continue;
    out.push(`${KIND_WORDS[k]} ${a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'}`);
  }
  return out.length ? out.join(', ') : 'per-package inputs changed';
}

/** Portage skips files named `.*` or `*~` in its config directories (docs/internals/gentoo.md#etc-portage). */
function ignoredByPortage(path: string): boolean {
  return path.split('/').some((s) => s.startsWith('.') || s.endsWith('~'));
}

/** `foo`, `foo-1.2`, `foo-1.2-r1`, any of them with `:slot` → `foo`. */
function pnOfDir(dir: string): string {
  const name = dir.includes(':') ? dir.slice(0, dir.indexOf(':')) : dir;
  const m = PN_VERSION_RE.exec(name);
  return m && !m[3] ? m[1]! : name;
}

function splitCpn(cpn: string): [string, string] {
  const i = cpn.indexOf('/');
  return [cpn.slice(0, i), cpn.slice(i + 1)];
}

function addTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * `<atom> file1 [file2 ...]` lines (no inline comments in Portage's package.* files). An atom
 * names a package by category and name (wildcards allowed); versions, slots and repositories
 * are ignored here, so a version-specific line counts for every version (conservative).
 */
function parsePackageEnv(file: string, text: string): EnvLine[] {
  const out: EnvLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [atom, ...envFiles] = line.split(/\s+/);
    let cat: string;
    let pn: string;
    try {
      const a = parseAtom(atom!, { allowWildcard: true });
      cat = a.category;
      pn = a.pn;
    } catch {
      // Portage warns about and skips a line it cannot parse; so does the digest
      continue;
    }
    out.push({ file, atom: atom!, catRe: globRe(cat), pnRe: globRe(pn), envFiles });
  }
  return out;
}

function globRe(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
