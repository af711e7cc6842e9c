/**
 * What `emerge --pretend --verbose --color=n` prints before it would merge (docs/internals/gentoo.md#pretend-output):
 * the merge list (`[binary  N     ] cat/pf-<build id>::repo  USE="..." 12 KiB [to <root>/]`) and
 * the resolver's refusals (depgraph._show_unsatisfied_dep):
 *
 *   emerge: there are no binary packages to satisfy "dev-libs/json-c" for /assemble-root/.
 *   (dependency required by "x11-apps/igt-gpu-tools-1.25::gentoo" [binary])
 *   (dependency required by "x11-apps/igt-gpu-tools" [argument])
 *
 * plus `!!!` lines (masked packages, conflicts). The merge lines of a real emerge
 * (`>>> Emerging binary (n of m)`) are core/emerge/parse-output.ts's business. Pure: no I/O.
 */
import { stripBuildId } from '../emerge/parse-output.ts';

export interface MergeEntry {
  type: 'ebuild' | 'binary' | 'installed' | 'nomerge' | 'uninstall' | 'blocks';
  /** The attribute letters (`N`, `R`, `U`, ...), spaces removed. */
  attrs: string;
  /** cat/pf, without the build id. */
  cpv: string;
  /** The binpkg's BUILD_ID (binary lines of a multi-instance PKGDIR). */
  buildId?: string;
  /** `slot[/subslot]`, shown with -v when the slot is not 0 or the subslot differs. */
  slot?: string;
  repo?: string;
  /** `to <root>` for a ROOT other than /. */
  root?: string;
}

export interface Requirement {
  /** What requires it: `cat/pf::repo`, an atom or `@set`. */
  by: string;
  /** `binary`, `ebuild`, `installed`, `argument`, `set`, ... */
  kind: string;
}

export interface Unsatisfied {
  /** The atom as Portage printed it. */
  atom: string;
  /** `binary packages`, `ebuilds`, `ebuilds built with USE flags`. */
  what: string;
  root?: string;
  /** Innermost first; the last is usually the argument. */
  requiredBy: Requirement[];
}

export interface PretendResult {
  merges: MergeEntry[];
  unsatisfied: Unsatisfied[];
  /** `!!!` lines, in order. */
  problems: string[];
  /** The `Total: ...` line. */
  total?: string;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;
const RE = {
  merge: /^\[(ebuild|binary|installed|nomerge|uninstall|blocks)\s([^\]]*)\]\s+(\S+)(?:\s+\[([^\]]*)\])?(.*)$/,
  unsatisfied: /^emerge: there are no (binary packages|ebuilds built with USE flags|ebuilds) to satisfy "(.+)"(?: for (\S+))?\.$/,
  requiredBy: /^\(dependency required by "(.+)" \[([\w-]+)\]\)$/,
  total: /^Total: \d+ packages?/,
  toRoot: /\sto (\/\S*)\s*$/,
};

export class PretendParser {
  private readonly out: PretendResult = { merges: [], unsatisfied: [], problems: [] };
  private last: Unsatisfied | undefined;

  feed(raw: string): void {
    const line = raw.replace(ANSI, '').replace(/\r/g, '').trimEnd();
    let m: RegExpExecArray | null;
    if ((m = RE.requiredBy.exec(line))) {
      this.last?.requiredBy.push({ by: m[1]!, kind: m[2]! });
      return;
    }
    if (line === '') return; // blank lines may separate a refusal from its chain
    this.last = undefined;
    if ((m = RE.merge.exec(line))) {
      const type = m[1] as MergeEntry['type'];
      // cat/pf[-<build id>][:slot[/subslot]][::repo]
      const token = m[3]!;
      const sep = token.indexOf('::');
      const withSlot = sep < 0 ? token : token.slice(0, sep);
      const colon = withSlot.indexOf(':');
      const display = colon < 0 ? withSlot : withSlot.slice(0, colon);
      const cpv = type === 'binary' ? stripBuildId(display) : display;
      const root = RE.toRoot.exec(m[5] ?? '')?.[1];
      this.out.merges.push({
        type,
        attrs: m[2]!.replace(/\s+/g, ''),
        cpv,
        ...(cpv !== display ? { buildId: display.slice(cpv.length + 1) } : {}),
        ...(colon >= 0 ? { slot: withSlot.slice(colon + 1) } : {}),
        ...(sep >= 0 ? { repo: token.slice(sep + 2) } : {}),
        ...(root ? { root } : {}),
      });
    } else if ((m = RE.unsatisfied.exec(line))) {
      this.last = { atom: m[2]!, what: m[1]!, ...(m[3] ? { root: m[3] } : {}), requiredBy: [] };
      this.out.unsatisfied.push(this.last);
    } else if (line.startsWith('!!!')) {
      this.out.problems.push(line);
    } else if (RE.total.test(line)) {
      this.out.total = line;
    }
  }

  result(): PretendResult {
    return {
      merges: [...this.out.merges],
      unsatisfied: [...this.out.unsatisfied],
      problems: [...this.out.problems],
      ...(this.out.total ? { total: this.out.total } : {}),
    };
  }
}

export function parsePretendOutput(text: string): PretendResult {
  const p = new PretendParser();
  for (const line of text.split('\n')) p.feed(line);
  return p.result();
}

/** The argument a refusal goes back to: the end of its chain, or the atom itself (an argument). */
export function rootArgument(u: Unsatisfied): string {
  const outward = [...u.requiredBy].reverse();
  return (outward.find((r) => r.kind === 'argument') ?? outward.find((r) => r.kind === 'set'))?.by ?? u.atom;
}
