/** Carries out a clean plan; what cannot be removed (an image a container still uses) is reported, not forced. */
import { rm } from 'node:fs/promises';
import type { Engine } from '../engine/types.ts';
import type { CleanItem, CleanPlan } from './plan-clean.ts';

export interface CleanOutcome {
  removed: CleanItem[];
  failed: Array<{ item: CleanItem; why: string }>;
  bytes: number;
}

export async function applyClean(
  plan: CleanPlan,
  engine: Engine | undefined,
  onItem?: (item: CleanItem, ok: boolean, why?: string) => void,
): Promise<CleanOutcome> {
  const out: CleanOutcome = { removed: [], failed: [], bytes: 0 };
  for (const item of plan.remove) {
    try {
      if (item.kind === 'image') {
        if (!engine) throw new Error('no Docker engine');
        // Never forced: an image a container uses, or with dependent child images, stays.
        await engine.removeImage(item.what, { force: false });
      } else await rm(item.what, { recursive: true, force: true });
      out.removed.push(item);
      out.bytes += item.bytes;
      onItem?.(item, true);
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      out.failed.push({ item, why });
      onItem?.(item, false, why);
    }
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
