import { BinfarmError } from '../../errors.ts';
import type { MakeConfContribution } from '../model.ts';
import { incrementalTokens, isIncremental, stackTokens } from './incremental.ts';
import { scanRefs } from './refs.ts';
import { formatAssignment } from './serialize.ts';

/** One contributor's part of the rendered make.conf. */
export interface MakeConfSection {
  contributor: string;
  /** Complete lines, each ending in a newline. */
  lines: string[];
}

interface Line {
  section: number;
  key: string;
  value: string;
  incremental: boolean;
  note?: string;
  /** Set on an assignment repeated after a variable it references: why it is repeated. */
  repeated?: string;
}

/**
 * Turns contributions into make.conf sections, one per contributor in name order (the order
 * Portage reads `make.conf/NN-name.conf`):
 * - incremental variables are written as `KEY="${KEY} tokens"` in every contributor that sets
 *   them, so each file extends what came before (and whatever the image had);
 * - a non-incremental variable ends with the value of the contributor with the highest
 *   precedence (contributors before it in file order keep their line, later ones get a
 *   comment instead); two contributors with equal precedence and different values are an
 *   E_PORTAGE_CONFLICT naming both;
 * - an assignment that references a variable set again later (`CFLAGS="${COMMON_FLAGS}"`
 *   before a subject overrides COMMON_FLAGS) is repeated after it, so the value Portage sees
 *   uses the final COMMON_FLAGS.
 */
export function resolveMakeConf(contributions: readonly MakeConfContribution[]): MakeConfSection[] {
  const merged = mergeSameContributor(contributions);
  const winners = pickWinners(merged);
  const lines: Line[] = [];
  merged.forEach((c, section) => {
    for (const [key, value] of Object.entries(c.vars)) {
      if (isIncremental(key)) {
        const tokens = stackTokens([], incrementalTokens(value, key));
        // after "-*" the earlier value does not matter, so the self-reference is left out
        const line = tokens[0] === '-*' ? tokens.join(' ') : `\${${key}} ${tokens.join(' ')}`;
        if (tokens.length) lines.push({ section, key, value: line, incremental: true });
        continue;
      }
      const w = winners.get(key)!;
      // Setters before the winner write their value too (the winner's later line overrides it,
      // and lines in between see the value they were written against); setters after it may not.
      if (w.section === section || (section < w.section && w.value !== value)) lines.push({ section, key, value, incremental: false });
      else if (w.value !== value) {
        lines.push({ section, key, value: '', incremental: false, note: `# ${key} is set by ${merged[w.section]!.contributor} (higher precedence)\n` });
      }
    }
  });
  repeatDependents(lines);
  return merged.map((c, section) => ({
    contributor: c.contributor,
    lines: lines
      .filter((l) => l.section === section)
      .map((l) => (l.note ?? '') + (l.repeated ? `# ${l.repeated}\n` : '') + (l.note ? '' : formatAssignment(l.key, l.value, `make.conf (${c.contributor})`))),
  }));
}

interface MergedContribution {
  contributor: string;
  precedence: number;
  vars: Record<string, string>;
}

function mergeSameContributor(contributions: readonly MakeConfContribution[]): MergedContribution[] {
  const byName = new Map<string, MergedContribution>();
  for (const c of contributions) {
    let m = byName.get(c.contributor);
    if (!m) {
      m = { contributor: c.contributor, precedence: c.precedence ?? 0, vars: {} };
      byName.set(c.contributor, m);
    }
    m.precedence = Math.max(m.precedence, c.precedence ?? 0);
    for (const [k, v] of Object.entries(c.vars)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
        throw new BinfarmError('E_MAKECONF', `make.conf variable name "${k}" (from ${c.contributor}) is not a valid name`, {
          hint: 'Variable names are letters, digits and "_", not starting with a digit, e.g. "MAKEOPTS".',
        });
      }
      if (typeof v !== 'string') {
        throw new BinfarmError('E_MAKECONF', `make.conf variable ${k} (from ${c.contributor}) must be a string, got ${typeof v}`);
      }
      m.vars[k] = isIncremental(k) && m.vars[k] !== undefined
        ? stackTokens(incrementalTokens(m.vars[k]!, k), incrementalTokens(v, k)).join(' ')
        : v;
    }
  }
  return [...byName.values()].sort((a, b) => (a.contributor < b.contributor ? -1 : a.contributor > b.contributor ? 1 : 0));
}

function pickWinners(merged: MergedContribution[]): Map<string, { section: number; value: string }> {
  const setters = new Map<string, Array<{ section: number; value: string; precedence: number }>>();
  merged.forEach((c, section) => {
    for (const [k, v] of Object.entries(c.vars)) {
      if (isIncremental(k)) continue;
      let list = setters.get(k);
      if (!list) setters.set(k, (list = []));
      list.push({ section, value: v, precedence: c.precedence });
    }
  });
  const winners = new Map<string, { section: number; value: string }>();
  for (const [key, list] of setters) {
    const top = Math.max(...list.map((s) => s.precedence));
    const best = list.filter((s) => s.precedence === top);
    const first = best[0]!;
    const other = best.find((s) => s.value !== first.value);
    if (other) {
      const a = merged[first.section]!.contributor;
      const b = merged[other.section]!.contributor;
      throw new BinfarmError(
        'E_PORTAGE_CONFLICT',
        `make.conf variable ${key} is set differently by "${a}" (${JSON.stringify(first.value)}) and "${b}" (${JSON.stringify(other.value)})`,
        {
          hint: `${key} is not incremental, so only one value can win. Give one contribution a higher precedence (MakeConfContribution.precedence), or set the same value in both.`,
          details: { key, contributors: [a, b], values: [first.value, other.value] },
        },
      );
    }
    // Equal values: written once, by the first contributor that sets it with the top precedence.
    winners.set(key, { section: first.section, value: first.value });
  }
  return winners;
}

/** Repeats a final assignment after the last assignment of any variable it references. */
function repeatDependents(lines: Line[]): void {
  const refsOf = (l: Line) =>
    l.note ? [] : scanRefs({ quote: 'double', text: l.value, offset: 0 }, 'make.conf', () => 1).map((r) => r.name).filter((n) => n !== l.key);
  for (let round = 0; round < 64; round++) {
    const last = new Map<string, number>();
    lines.forEach((l, i) => {
      if (!l.note) last.set(l.key, i);
    });
    let moved = false;
    for (let i = 0; i < lines.length && !moved; i++) {
      const l = lines[i]!;
      if (l.note || l.incremental || last.get(l.key) !== i) continue;
      const later = refsOf(l).filter((r) => (last.get(r) ?? -1) > i);
      if (!later.length) continue;
      const after = Math.max(...later.map((r) => last.get(r)!));
      const target = lines[after]!;
      let pos = after + 1;
      while (pos < lines.length && lines[pos]!.repeated) pos++; // keep repeated lines in their first order
      lines.splice(pos, 0, { ...l, section: target.section, repeated: `${l.key} again, because ${later.join(', ')} changed after it was set` });
      moved = true;
    }
    if (!moved) return;
  }
  throw new BinfarmError('E_MAKECONF', 'make.conf variables reference each other in a loop', {
    hint: 'Check the ${VAR} references in your make.conf contributions.',
  });
}
