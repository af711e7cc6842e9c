/** What the emerge phase leaves for the package phase: packages per kind, over all invocations. */
import type { EmergeFailure, EmergeResult } from './parse-output.ts';

export const EMERGE_DATA = 'binfarm:emerge';

export interface EmergeRecord {
  built: string[];
  binary: string[];
  failed: EmergeFailure[];
  incomplete: string[];
  /** argv of every emerge that ran, in order. */
  invocations: string[][];
  portageVersion?: string;
}

export function emptyRecord(): EmergeRecord {
  return { built: [], binary: [], failed: [], incomplete: [], invocations: [] };
}

export function addResult(rec: EmergeRecord, argv: string[], r: EmergeResult): void {
  rec.invocations.push(argv);
  const add = (list: string[], items: string[]) => items.forEach((x) => list.includes(x) || list.push(x));
  add(rec.built, r.built);
  add(rec.binary, r.binary.filter((x) => !rec.built.includes(x)));
  rec.failed.push(...r.failed);
  add(rec.incomplete, r.incomplete);
}
