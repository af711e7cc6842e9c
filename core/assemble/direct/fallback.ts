/**
 * When the direct assembly cannot stand in for `emerge --usepkgonly` and the whole assembly goes
 * through emerge instead (docs/assemble.md#direct). Each reason names the package and why:
 *  - phases: Portage runs pkg_pretend, pkg_setup, pkg_preinst and pkg_postinst of a binary
 *    package; the direct path runs no ebuild code, so a package that defines one falls back;
 *  - replacing: a package already installed in the `from` image in the same slot would have to
 *    be unmerged (its files, its prerm/postrm, its database entry);
 *  - env.d: a file under /etc/env.d changes what env-update writes (profile.env, ld.so.conf);
 *  - device nodes and fifos (never in a layer here);
 *  - collisions with a file another package owns, or a directory where a file goes (emerge
 *    then reports the collision in its own words).
 */
import type { MergeEntry } from '../pretend-output.ts';
import { cpnOfCpv } from '../who-builds.ts';
import type { InstalledPackage } from './base-scan.ts';
import { metaText, type Gpkg } from './gpkg-read.ts';

export interface Fallback {
  /** cat/pf */
  cpv: string;
  reason: string;
}

/** Phases Portage runs when it merges a binary package (lib/_emerge/Binpkg.py, Scheduler). */
export const MERGE_PHASES = ['pretend', 'setup', 'preinst', 'postinst'] as const;

export function packageFallbacks(merge: MergeEntry, pkg: Gpkg, installed: InstalledPackage[]): Fallback[] {
  const out: Fallback[] = [];
  const cpv = merge.cpv;
  const phases = metaText(pkg, 'DEFINED_PHASES').split(/\s+/);
  const run = MERGE_PHASES.filter((p) => phases.includes(p));
  if (run.length) out.push({ cpv, reason: `defines ${run.map((p) => `pkg_${p}`).join(', ')}, which a merge runs` });
  const cpn = cpnOfCpv(cpv);
  const slot = metaText(pkg, 'SLOT').split('/')[0] || '0';
  const same = installed.find((i) => cpnOfCpv(i.cpv) === cpn && (i.slot.split('/')[0] || '0') === slot);
  if (same) out.push({ cpv, reason: `replaces ${same.cpv}, installed in the from image in slot ${slot}` });
  else if (/[RUD]/.test(merge.attrs))
    out.push({ cpv, reason: `emerge reports it as a ${merge.attrs.includes('R') ? 'reinstall' : 'version change'} of an installed package` });
  const special = pkg.entries.find((e) => e.type === 'other');
  if (special) out.push({ cpv, reason: `installs /${special.path}, a ${special.rawType ?? 'special file'}` });
  const envd = pkg.entries.find((e) => e.path.startsWith('etc/env.d/') && e.type !== 'directory');
  if (envd) out.push({ cpv, reason: `installs /${envd.path}, after which emerge runs env-update` });
  return out;
}

export function describeFallbacks(list: Fallback[]): string {
  return list.map((f) => `${f.cpv} ${f.reason}`).join('; ');
}
