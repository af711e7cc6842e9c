/**
 * Why a subject must be built: the difference between the inputs of its fresh key and the
 * inputs recorded at its last build, plus the facts the key cannot see (image or binpkgs gone).
 */
import type { StaleReason } from './types.ts';
import { UNKNOWN } from './key.ts';
import { contentChanges } from './explain-content.ts';
import type { KeyContent } from './file-inputs.ts';

const short = (d: string | undefined): string | undefined =>
  d === undefined ? undefined : d === UNKNOWN ? d : d.length > 16 && /^[0-9a-f]+$/.test(d) ? d.slice(0, 12) : d;

/** Input order in explanations: the big levers first, then files, sets, overlays, the rest. */
function rank(name: string): number {
  if (name === 'parent') return 0;
  if (name === 'stage3') return 1;
  if (name === 'tree') return 2;
  if (name.startsWith('file:')) return 3;
  if (name.startsWith('set:')) return 4;
  if (name.startsWith('overlay:')) return 5;
  if (name.startsWith('context:')) return 6;
  if (name.startsWith('plugin:')) return 7;
  return 8;
}

export function diffInputs(
  before: Record<string, string>,
  after: Record<string, string>,
  beforeContent: Record<string, KeyContent> = {},
  afterContent: Record<string, KeyContent> = {},
): StaleReason[] {
  const out: StaleReason[] = [];
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const name of [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))) {
    const b = before[name];
    const a = after[name];
    if (a === b) continue;
    const reason: StaleReason = {
      input: name,
      change: name === 'parent' ? 'parent rebuilt' : b === undefined ? 'added' : a === undefined ? 'removed' : 'changed',
    };
    if (b !== undefined) reason.before = short(b)!;
    if (a !== undefined) reason.after = short(a)!;
    const details = b !== undefined && a !== undefined ? contentChanges(beforeContent[name], afterContent[name]) : undefined;
    if (details?.length) reason.details = details;
    out.push(reason);
  }
  return out;
}

/** Reasons for a key that cannot be computed yet (`plan` before the first fetch). */
export function unknownReasons(unknown: string[], parentAction: 'build' | 'skip' | undefined): StaleReason[] {
  return unknown.map((input) =>
    input === 'parent'
      ? { input, change: parentAction === 'build' ? 'parent rebuilt' : UNKNOWN }
      : { input, change: UNKNOWN },
  );
}
