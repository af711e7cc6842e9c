/**
 * Gentoo version comparison (PMS 3.3, "Version comparison"): numeric components (the first as
 * an integer, later ones with a leading 0 compared as decimal fractions), a letter, suffixes
 * (_alpha < _beta < _pre < _rc < none < _p) and the revision. Used to say that the tree now
 * offers a newer version than a lock holds; Portage's own choice is what `run --locked` checks.
 */
const VERSION = /^(\d+(?:\.\d+)*)([a-z])?((?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?$/;
const SUFFIX_RANK: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, p: 5 };
const NO_SUFFIX = 4;

interface Parsed {
  nums: string[];
  letter: string;
  suffixes: Array<[number, bigint]>;
  rev: bigint;
}

function parse(v: string): Parsed | undefined {
  const m = VERSION.exec(v);
  if (!m) return undefined;
  const suffixes = [...m[3]!.matchAll(/_(alpha|beta|pre|rc|p)(\d*)/g)].map((s): [number, bigint] => [SUFFIX_RANK[s[1]!]!, BigInt(s[2] || '0')]);
  return { nums: m[1]!.split('.'), letter: m[2] ?? '', suffixes, rev: BigInt(m[4] ?? '0') };
}

const sign = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function compareComponent(a: string, b: string, first: boolean): number {
  if (first || (!a.startsWith('0') && !b.startsWith('0'))) return sign(BigInt(a), BigInt(b));
  const x = a.replace(/0+$/, '');
  const y = b.replace(/0+$/, '');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** <0, 0, >0 as Portage's vercmp; versions it cannot parse compare as strings (after valid ones). */
export function vercmp(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < Math.min(pa.nums.length, pb.nums.length); i++) {
    const c = compareComponent(pa.nums[i]!, pb.nums[i]!, i === 0);
    if (c) return c;
  }
  if (pa.nums.length !== pb.nums.length) return pa.nums.length - pb.nums.length;
  if (pa.letter !== pb.letter) return pa.letter < pb.letter ? -1 : 1;
  for (let i = 0; i < Math.max(pa.suffixes.length, pb.suffixes.length); i++) {
    const [ra, na] = pa.suffixes[i] ?? [NO_SUFFIX, 0n];
    const [rb, nb] = pb.suffixes[i] ?? [NO_SUFFIX, 0n];
    if (ra !== rb) return ra - rb;
    const c = sign(na, nb);
    if (c) return c;
  }
  return sign(pa.rev, pb.rev);
}
