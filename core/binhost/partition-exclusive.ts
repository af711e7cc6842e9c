/**
 * One writer or checker of a partition's index at a time in this process. Subjects that share a
 * partition finish at the same time on a busy run (or a swarm's jobs at once): without this, one
 * subject's `emaint binhost --fix` rewrites `Packages` and `Packages.gz` while another's check reads
 * them, and a sound index fails as stale. Taken by everything binfarm does to an index: a job's
 * uploads taken in (core/executor/swarm/receive.ts), the package phase's regeneration and check
 * (core/package/phase.ts), the check before a generation is published (core/publish/generations.ts).
 * Portage's own writers (emerge in a build container) lock the index themselves; a check that
 * meets one mid-write reads again (core/binhost/verify-index.ts).
 */
import { resolve } from 'node:path';
import { createKeyedQueue } from '../util/keyed-queue.ts';

const queue = createKeyedQueue();

export function partitionExclusive<T>(partitionDir: string, work: () => Promise<T>): Promise<T> {
  return queue(resolve(partitionDir), work);
}
