/**
 * One regeneration of a partition's index serves every subject whose binpkgs were in place before
 * it began. Subjects that share a partition often finish together (a swarm's last jobs, a wide
 * layer on a busy run); each used to run `emaint binhost --fix` and the check in turn, although
 * the first regeneration had already indexed everyone's binpkgs — on a large partition Portage
 * takes seconds for each. Now a subject asks for a regeneration that *began after* its binpkgs were
 * in place (a mark from a clock per partition); if the last one did and succeeded, its checked
 * index is the subject's too, otherwise the subject regenerates itself. Requests still take turns
 * through partitionExclusive, so a regeneration never overlaps another writer or check of binfarm's.
 * A failed regeneration is never shared: the next subject runs its own, and reports its own error.
 */
import { resolve } from 'node:path';
import { partitionExclusive } from './partition-exclusive.ts';

/** build.data key: the mark an executor took once the subject's binpkgs were all in the partition. */
export const BINPKGS_IN_PLACE = 'binfarm:binpkgs-in-place';

interface Regeneration {
  began: number;
  by: string;
  result: Promise<unknown>;
}

interface PartitionClock {
  now: number;
  last?: Regeneration;
}

const clocks = new Map<string, PartitionClock>();

function clockOf(partitionDir: string): PartitionClock {
  const key = resolve(partitionDir);
  let c = clocks.get(key);
  if (!c) clocks.set(key, (c = { now: 0 }));
  return c;
}

/** Called once a subject's binpkgs are all in the partition: regenerations that begin later cover them. */
export function markBinpkgsInPlace(partitionDir: string): number {
  return ++clockOf(partitionDir).now;
}

/**
 * The partition's regenerated and checked index for a subject whose binpkgs were in place at mark
 * `inPlace`: from the last regeneration when it began later and succeeded, else from `regenerate`
 * run now. `by` names who ran the regeneration used (`who` when it was this call's own).
 */
export function regeneratedIndex<T>(partitionDir: string, inPlace: number, who: string, regenerate: () => Promise<T>): Promise<{ result: T; by: string }> {
  const clock = clockOf(partitionDir);
  return partitionExclusive(partitionDir, async () => {
    // Inside the turn the last regeneration has settled: it ran in a turn of its own.
    const last = clock.last;
    if (last && last.began > inPlace) {
      const shared = await last.result.then(
        (result) => ({ result: result as T }),
        () => undefined,
      );
      if (shared) return { result: shared.result, by: last.by };
    }
    const own: Regeneration = { began: ++clock.now, by: who, result: regenerate() };
    clock.last = own;
    return { result: (await own.result) as T, by: who };
  });
}
