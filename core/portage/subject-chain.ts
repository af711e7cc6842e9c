import type { PortageContext } from '../types.ts';
import type { Subject } from '../subject/types.ts';

export interface ChainLink {
  subject: Subject;
  /** 0 for the base. */
  depth: number;
  /** File name of its contributions: `50-base`, `51-hep-core`, `52-hep-root`, ... */
  contributor: string;
  /** Precedence of its make.conf variables: a child overrides its parent, every subject overrides the config. */
  precedence: number;
}

/** The contributor name of a subject at a depth of the DAG (deeper subjects sort later, so they win). */
export function subjectContributor(name: string, depth: number): string {
  return `5${Math.min(depth, 9)}-${name}`;
}

/**
 * The subject and its ancestors, base first. A subject's image is built on its parent's, so
 * its /etc/portage holds the ancestors' files too: the model includes them.
 */
export function subjectChain(farm: PortageContext, subject: Subject | string): ChainLink[] {
  const all = farm.subjects();
  const list: Subject[] = [];
  let cur: Subject | undefined = typeof subject === 'string' ? farm.subject(subject) : subject;
  const seen = new Set<string>();
  while (cur) {
    if (seen.has(cur.name)) break; // cycles are reported by the planner
    seen.add(cur.name);
    list.unshift(cur);
    cur = cur.parent ? all.get(cur.parent) : undefined;
  }
  return list.map((s, depth) => ({ subject: s, depth, contributor: subjectContributor(s.name, depth), precedence: depth + 1 }));
}
