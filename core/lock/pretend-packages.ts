/**
 * What `emerge --pretend --verbose` would merge, as lock entries: cat/pf, the binpkg's build id
 * (binary lines) and the USE flags it shows. The merge list is parsed by
 * core/assemble/pretend-output.ts; this adds the `USE="..."` and USE_EXPAND (`PYTHON_TARGETS="..."`)
 * groups of each line (docs/internals/gentoo.md#pretend-output): `-x` and `(-x)` are disabled,
 * `x`, `(x)`, `x*` (changed) and `x%` (new) enabled. Flags Portage hides from the list (arch,
 * ELIBC, KERNEL: USE_EXPAND_HIDDEN) are not shown and so never compared. Pure: no I/O.
 */
import { PretendParser } from '../assemble/pretend-output.ts';

export interface PretendPackage {
  cpv: string;
  type: 'ebuild' | 'binary';
  buildId?: number;
  /** Flags shown enabled / disabled (USE_EXPAND ones as `python_targets_python3_12`). */
  enabled: string[];
  disabled: string[];
}

const GROUP = /\b([A-Z][A-Z0-9_]*)="([^"]*)"/g;

export function pretendPackages(text: string): PretendPackage[] {
  const parser = new PretendParser();
  const out: PretendPackage[] = [];
  let seen = 0;
  for (const line of text.split('\n')) {
    parser.feed(line);
    const merges = parser.result().merges;
    if (merges.length === seen) continue;
    seen = merges.length;
    const m = merges[merges.length - 1]!;
    if (m.type !== 'ebuild' && m.type !== 'binary') continue;
    const enabled: string[] = [];
    const disabled: string[] = [];
    for (const [, name, value] of line.matchAll(GROUP)) {
      const prefix = name === 'USE' ? '' : `${name!.toLowerCase()}_`;
      for (const raw of value!.split(/\s+/).filter(Boolean)) {
        const flag = raw.replace(/^\(|\)$/g, '').replace(/[*%]+$/, '');
        if (flag.startsWith('-')) disabled.push(prefix + flag.slice(1));
        else enabled.push(prefix + flag);
      }
    }
    const id = m.buildId && /^\d+$/.test(m.buildId) ? Number(m.buildId) : undefined;
    out.push({ cpv: m.cpv, type: m.type, ...(id !== undefined ? { buildId: id } : {}), enabled: enabled.sort(), disabled: disabled.sort() });
  }
  return out;
}
