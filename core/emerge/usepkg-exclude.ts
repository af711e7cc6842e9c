/**
 * Which binpkgs emerge must not reuse because they were built from other per-package inputs
 * (core/binhost/binpkg-inputs.ts), and so which packages go into `--usepkg-exclude`.
 *
 * Two steps, so that a stale binpkg Portage would never pick (an older instance, an older
 * version) does not force a rebuild on every run:
 * 1. suspects (cheap, no Portage): every binpkg of the partition whose recorded digest differs
 *    from the current one, or that has no record while its package now has inputs;
 * 2. only when there are suspects: `emerge --pretend` with the same argv shows the instances
 *    Portage would merge (`[binary ...] cat/pf-<BUILD_ID>`); a package whose chosen instance is
 *    a suspect is excluded, and the pretend is repeated with the exclusions until nothing new
 *    turns up. When the pretend fails, every suspect package is excluded (never reuse a stale
 *    binpkg; at worst a package is rebuilt that did not need it).
 * `--usepkg-exclude` takes package names or slot atoms and excludes every binary instance of
 * them (man emerge.1; _emerge/depgraph.py `usepkg_exclude`): a per-instance choice is not
 * possible, so exclusion is by `cat/pn`.
 */
import type { PackagesIndex } from '../binhost/packages-index.ts';
import { NO_INPUTS, describeChange, type InputsDigest } from '../binhost/binpkg-inputs.ts';
import { cpnOf, entryFor, type InputsRecord } from '../binhost/inputs-record.ts';
import type { MergeEntry } from '../assemble/pretend-output.ts';

export interface SuspectBinpkg {
  cpn: string;
  cpv: string;
  buildId?: string;
  path?: string;
  /** `patches changed since its binpkg was built`, ... */
  why: string;
}

export interface Exclusion {
  cpn: string;
  why: string;
}

export function suspectBinpkgs(index: PackagesIndex, record: InputsRecord, current: (cpn: string) => InputsDigest): SuspectBinpkg[] {
  const out: SuspectBinpkg[] = [];
  for (const block of index.packages) {
    const cpv = block.CPV;
    if (!cpv) continue;
    const cpn = cpnOf(cpv);
    const now = current(cpn);
    const rec = entryFor(record, block);
    let why: string | undefined;
    if (rec) {
      if (rec.digest !== now.digest) why = `${describeChange(rec.parts, now.parts)} since its binpkg was built`;
    } else if (now.digest !== NO_INPUTS) {
      // built before binfarm recorded inputs, or by something else: its inputs are unknown
      why = `${describeChange({}, now.parts).replace(/ added/g, '')} now apply, and its binpkg has no record of the inputs it was built with`;
    }
    if (why) out.push({ cpn, cpv, ...(block.BUILD_ID ? { buildId: block.BUILD_ID } : {}), ...(block.PATH ? { path: block.PATH } : {}), why });
  }
  return out;
}

/** Runs `emerge --pretend` with these exclusions; undefined when it failed (resolver error). */
export type PretendMerges = (exclude: readonly string[]) => Promise<MergeEntry[] | undefined>;

export async function chooseExclusions(suspects: readonly SuspectBinpkg[], pretend: PretendMerges): Promise<{ excluded: Exclusion[]; pretendFailed: boolean }> {
  const excluded = new Map<string, string>();
  if (!suspects.length) return { excluded: [], pretendFailed: false };
  for (;;) {
    const merges = await pretend([...excluded.keys()].sort());
    if (!merges) {
      for (const s of suspects) if (!excluded.has(s.cpn)) excluded.set(s.cpn, s.why);
      return { excluded: toList(excluded), pretendFailed: true };
    }
    let added = false;
    for (const m of merges) {
      if (m.type !== 'binary') continue;
      const hit = suspects.find((s) => s.cpv === m.cpv && (s.buildId === undefined || m.buildId === undefined || s.buildId === m.buildId));
      if (hit && !excluded.has(hit.cpn)) {
        excluded.set(hit.cpn, hit.why);
        added = true;
      }
    }
    if (!added) return { excluded: toList(excluded), pretendFailed: false };
  }
}

function toList(m: Map<string, string>): Exclusion[] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cpn, why]) => ({ cpn, why }));
}

/** Whether an argv reuses binpkgs at all (a plugin may have dropped --usepkg). */
export function reusesBinpkgs(argv: readonly string[]): boolean {
  return argv.some((a) => /^(--usepkg(=y)?|--getbinpkg(=y)?|-[a-zA-Z]*[kg][a-zA-Z]*)$/.test(a));
}
