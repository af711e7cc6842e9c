/**
 * Subjects in tree order: each parent directly followed by its whole subtree, siblings in config
 * order. (Sorting by depth alone prints siblings between a parent and its children.)
 */
import type { Subject } from '../subject/types.ts';

export interface TreeRow<T extends { subject: Subject }> {
  row: T;
  depth: number;
}

/** Orders rows (one per subject) depth-first; rows whose parent is absent start a tree of their own. */
export function treeOrder<T extends { subject: Subject }>(rows: readonly T[]): Array<TreeRow<T>> {
  const names = new Set(rows.map((r) => r.subject.name));
  const children = new Map<string | null, T[]>();
  for (const r of rows) {
    const p = r.subject.parent !== null && names.has(r.subject.parent) ? r.subject.parent : null;
    const list = children.get(p) ?? [];
    list.push(r);
    children.set(p, list);
  }
  const out: Array<TreeRow<T>> = [];
  const visit = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      out.push({ row: r, depth });
      visit(r.subject.name, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

/** Every subject of the farm in tree order, with its depth. */
export function subjectTree(subjects: ReadonlyMap<string, Subject>): Array<{ subject: Subject; depth: number }> {
  return treeOrder([...subjects.values()].map((subject) => ({ subject }))).map(({ row, depth }) => ({ subject: row.subject, depth }));
}
