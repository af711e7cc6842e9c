/**
 * The subject DAG: every subject names one parent (the base has none), so the graph is a forest
 * rooted at the base. A plan holds the requested subjects plus all their ancestors, parents
 * before children; a parent chain that loops is reported with the loop spelled out.
 */
import { BinfarmError } from '../errors.ts';
import { didYouMean } from '../config/suggest.ts';
import type { Subject } from '../subject/types.ts';

export interface OrderedSubject {
  subject: Subject;
  /** Distance from the root (0 = base). */
  depth: number;
}

/** The parent chain of `name`, nearest first; throws E_SUBJECT (a config error) naming the cycle when it loops. */
export function ancestorsOf(subjects: ReadonlyMap<string, Subject>, name: string): string[] {
  const chain: string[] = [];
  const seen = new Map<string, number>([[name, 0]]);
  let cur = subjects.get(name);
  while (cur && cur.parent !== null) {
    const parent = cur.parent;
    const at = seen.get(parent);
    if (at !== undefined) {
      const loop = [name, ...chain].slice(at);
      throw new BinfarmError('E_SUBJECT', `subjects form a cycle: ${[...loop, parent].join(' → ')}`, {
        hint: `Every subject must descend from "base"; change the "parent" of one of ${loop.map((s) => `"${s}"`).join(', ')}.`,
        details: { cycle: [...loop, parent] },
      });
    }
    if (!subjects.has(parent)) {
      throw new BinfarmError('E_SUBJECT', `subject "${cur.name}" has unknown parent "${parent}"`, {
        hint: `Known subjects: ${[...subjects.keys()].join(', ')}.`,
      });
    }
    seen.set(parent, chain.length + 1);
    chain.push(parent);
    cur = subjects.get(parent);
  }
  return chain;
}

/** Throws on the first cycle anywhere in the graph (also for subjects nobody asked for). */
export function checkAcyclic(subjects: ReadonlyMap<string, Subject>): void {
  for (const name of subjects.keys()) ancestorsOf(subjects, name);
}

/**
 * Topological order of `targets` and their ancestors: parents first; among subjects of equal
 * depth, the order of the subjects map (config order) is kept so plans read predictably.
 */
export function planOrder(subjects: ReadonlyMap<string, Subject>, targets: readonly string[]): OrderedSubject[] {
  checkAcyclic(subjects);
  const wanted = new Set<string>();
  for (const t of targets) {
    if (!subjects.has(t)) {
      throw new BinfarmError('E_SUBJECT', `unknown subject "${t}"${didYouMean(t, subjects.keys())}`, { hint: `Known subjects: ${[...subjects.keys()].join(', ')}.` });
    }
    wanted.add(t);
    for (const a of ancestorsOf(subjects, t)) wanted.add(a);
  }
  const depth = new Map<string, number>();
  for (const name of wanted) depth.set(name, ancestorsOf(subjects, name).length);
  const position = new Map([...subjects.keys()].map((n, i) => [n, i]));
  return [...wanted]
    .sort((a, b) => depth.get(a)! - depth.get(b)! || position.get(a)! - position.get(b)!)
    .map((name) => ({ subject: subjects.get(name)!, depth: depth.get(name)! }));
}

/** Every subject below `name` (children, grandchildren...), for "rebuilds it and its children". */
export function descendantsOf(subjects: ReadonlyMap<string, Subject>, name: string): string[] {
  const out: string[] = [];
  for (const s of subjects.values()) {
    if (s.name !== name && ancestorsOf(subjects, s.name).includes(name)) out.push(s.name);
  }
  return out;
}
