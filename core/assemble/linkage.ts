/**
 * A linkage check for slim images, before anything is merged. Portage records the sonames each
 * binpkg needs and provides (`REQUIRES` / `PROVIDES` in the Packages index, `x86_64: libc.so.6
 * libm.so.6`, docs/internals/gentoo.md#packages-index). A slim ROOT holds only the merged packages, and the toolchain's
 * runtime (libstdc++ and libgcc_s of sys-devel/gcc) is a dependency no ebuild states; so every
 * soname a merged package requires that no merged package provides is a library the image will
 * lack. Each gap names the binpkgs of the partition that would fill it.
 */
import type { IndexBlock } from '../binhost/packages-index.ts';
import type { MergeEntry } from './pretend-output.ts';
import { cpnOfCpv } from './who-builds.ts';

export interface SonameGap {
  /** The multilib category, e.g. `x86_64`. */
  arch: string;
  soname: string;
  /** cat/pf of the merged packages that need it. */
  neededBy: string[];
  /** cat/pn of packages in the partition that provide it. */
  providers: string[];
}

/** `x86_64: libc.so.6 libm.so.6\nx86_32: libc.so.6` → arch → sonames. */
export function parseSonames(value: string | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let arch: string | undefined;
  for (const token of (value ?? '').split(/\s+/).filter(Boolean)) {
    if (token.endsWith(':')) {
      arch = token.slice(0, -1);
      if (!out.has(arch)) out.set(arch, new Set());
    } else if (arch) out.get(arch)!.add(token);
  }
  return out;
}

/** The index entry Portage merged for each merge line (by CPV and BUILD_ID). */
export function mergedEntries(index: IndexBlock[], merges: MergeEntry[]): IndexBlock[] {
  const out: IndexBlock[] = [];
  for (const m of merges) {
    if (m.type !== 'binary') continue;
    const hit = index.find((p) => p.CPV === m.cpv && (!m.buildId || p.BUILD_ID === m.buildId));
    if (hit) out.push(hit);
  }
  return out;
}

export function sonameGaps(merged: IndexBlock[], index: IndexBlock[]): SonameGap[] {
  const provided = new Map<string, Set<string>>();
  for (const p of merged) {
    for (const [arch, names] of parseSonames(p.PROVIDES)) {
      const set = provided.get(arch) ?? new Set<string>();
      for (const n of names) set.add(n);
      provided.set(arch, set);
    }
  }
  const gaps = new Map<string, SonameGap>();
  for (const p of merged) {
    for (const [arch, names] of parseSonames(p.REQUIRES)) {
      for (const soname of names) {
        if (provided.get(arch)?.has(soname)) continue;
        const k = `${arch}\0${soname}`;
        let gap = gaps.get(k);
        if (!gap) gaps.set(k, (gap = { arch, soname, neededBy: [], providers: [] }));
        gap.neededBy.push(p.CPV!);
      }
    }
  }
  for (const gap of gaps.values()) {
    const names = new Set<string>();
    for (const p of index) if (parseSonames(p.PROVIDES).get(gap.arch)?.has(gap.soname)) names.add(cpnOfCpv(p.CPV!));
    gap.providers = [...names].sort();
  }
  return [...gaps.values()].sort((a, b) => a.soname.localeCompare(b.soname));
}

/** One warning line per gap. */
export function describeGap(g: SonameGap): string {
  const by = g.neededBy.join(', ');
  const fix = g.providers.length
    ? `${g.providers.join(' or ')} provide${g.providers.length === 1 ? 's' : ''} it: add ${g.providers.length === 1 ? 'it' : 'one'} to the assembly's runtime (or --with)`
    : 'no binpkg in the partition provides it';
  return `${g.soname} (${g.arch}) is needed by ${by} but no package of the slim image provides it; ${fix}`;
}
