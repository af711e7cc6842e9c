import { BinfarmError } from '../../errors.ts';

export function makeConfError(file: string, line: number, message: string, hint?: string): BinfarmError {
  return new BinfarmError('E_MAKECONF', `${file}:${line}: ${message}`, { hint, details: { file, line } });
}

/** 1-based line of `offset`, by binary search over line starts. */
export function lineAt(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
