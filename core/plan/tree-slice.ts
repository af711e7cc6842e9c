/**
 * A subject's tree slice: the part of the tree (and overlays) its emerged packages were built
 * from — for each emerged `cat/pn`, its package-dir digest and versions in every repository that
 * has it; the eclasses those inherit, recursively; the profiles digest of every repository. The
 * key input `tree` is the hash of the slice, so a tree sync makes a subject stale only when it
 * touches what the subject installed. See docs/pipeline.md, "Sources and the tree in content keys".
 */
import { sha256, stableStringify } from '../util/hash.ts';
import type { RepoIndex } from '../tree/index/types.ts';
import type { StaleReason } from './types.ts';

export interface SliceContent {
  /** cat/pn → repository → `digest versions...` (absent from every repository: `{}`). */
  packages: Record<string, Record<string, { d: string; v: string[] }>>;
  /** eclass → repository → digest. */
  eclasses: Record<string, Record<string, string>>;
  /** repository → profiles digest. */
  profiles: Record<string, string>;
}

/** What the state file keeps: enough to recompute the slice under another tree. */
export interface RecordedSlice {
  /** Combined digest of the tree and overlays the slice was computed under. */
  treeDigest: string;
  /** cat/pn emerged by the subject (sorted). */
  packages: string[];
  slice: SliceContent;
  /** The key input: sha256 of the slice. */
  digest: string;
}

export interface NamedIndex {
  name: string;
  index: RepoIndex;
}

/** `cat/pn` of a `cat/pf` (version and revision stripped, as Portage splits a cpv). */
export function cpnOf(cpv: string): string {
  const m = /^(.+?)-(\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)\d*)*(?:-r\d+)?)$/.exec(cpv);
  return m ? m[1]! : cpv;
}

export function computeSlice(cpns: string[], repos: NamedIndex[]): SliceContent {
  const packages: SliceContent['packages'] = {};
  const wanted = new Set<string>();
  for (const cpn of [...new Set(cpns)].sort()) {
    const per: Record<string, { d: string; v: string[] }> = {};
    for (const { name, index } of repos) {
      const e = index.packages[cpn];
      if (!e) continue;
      per[name] = { d: e.d, v: e.v };
      e.e.forEach((x) => wanted.add(x));
    }
    packages[cpn] = per;
  }
  // Eclasses inherit eclasses: follow them in every repository (an overlay may override one).
  const eclasses: SliceContent['eclasses'] = {};
  const queue = [...wanted];
  while (queue.length) {
    const name = queue.pop()!;
    if (eclasses[name]) continue;
    const per: Record<string, string> = {};
    for (const { name: repo, index } of repos) {
      const e = index.eclasses[name];
      if (!e) continue;
      per[repo] = e.d;
      for (const i of e.i) if (!eclasses[i]) queue.push(i);
    }
    eclasses[name] = per;
  }
  const sorted = Object.fromEntries(Object.keys(eclasses).sort().map((k) => [k, eclasses[k]!]));
  return { packages, eclasses: sorted, profiles: Object.fromEntries(repos.map((r) => [r.name, r.index.profiles])) };
}

export function sliceDigest(slice: SliceContent): string {
  return sha256(stableStringify(slice));
}

/** What changed between a recorded slice and the same packages under the current tree. */
export function diffSlices(before: SliceContent, after: SliceContent): StaleReason[] {
  const out: StaleReason[] = [];
  const ver = (p: Record<string, { d: string; v: string[] }> | undefined) => [...new Set(Object.values(p ?? {}).flatMap((x) => x.v))].sort().join(' ') || '(none)';
  for (const cpn of Object.keys(after.packages)) {
    const b = before.packages[cpn];
    const a = after.packages[cpn];
    if (stableStringify(b) === stableStringify(a)) continue;
    const vb = ver(b);
    const va = ver(a);
    out.push({ input: 'tree', change: vb === va ? `${cpn} changed` : `${cpn} ${vb} → ${va}` });
  }
  for (const name of Object.keys(after.eclasses)) {
    const b = before.eclasses[name];
    if (b === undefined) out.push({ input: 'tree', change: `eclass ${name} now inherited` });
    else if (stableStringify(b) !== stableStringify(after.eclasses[name])) out.push({ input: 'tree', change: `eclass ${name} changed` });
  }
  if (stableStringify(before.profiles) !== stableStringify(after.profiles)) out.push({ input: 'tree', change: 'profiles changed' });
  return out;
}
