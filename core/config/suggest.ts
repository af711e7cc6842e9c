/** "Did you mean ...?" for unknown keys, subjects and commands. */

/** Levenshtein edit distance (insert, delete, substitute each cost 1). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `input`, or undefined when nothing is close enough. Case is
 * ignored for the distance (`makeOpts` → `makeopts`); a prefix match also counts.
 */
export function nearest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const hay = c.toLowerCase();
    let score = levenshtein(needle, hay);
    if (needle.length >= 3 && (hay.startsWith(needle) || needle.startsWith(hay))) score = Math.min(score, 1);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  // Allow roughly one typo per three characters, at least 2.
  const budget = Math.max(2, Math.floor(input.length / 3));
  return bestScore <= budget ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const hit = nearest(input, candidates);
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
}
