/**
 * What an interrupt during publishing means for the binhost, said plainly: before a partition's
 * `current` is switched nothing of it is published (its half-made generation is removed); after
 * the switch it is published, and the run says so instead of claiming either "nothing" or "done".
 */
import { BinfarmError, isBinfarmError } from '../errors.ts';

/** A generation made current by this run (unchanged republishes are not news). */
export interface SwitchedGeneration {
  target: string;
  partition: string;
  generation: number;
}

/** The interrupt arrived before `current` of one partition was switched. */
export function generationInterrupted(where: string, generation: number, current: number | undefined, cause?: unknown): BinfarmError {
  const still = current === undefined ? 'it has no current generation yet' : `current is still generations/${current}`;
  return new BinfarmError('E_INTERRUPTED', `${where}: interrupted before current was switched; generation ${generation} was removed and ${still}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { removedGeneration: generation },
  });
}

export interface PublishedSoFar {
  /** Publishing had finished when the interrupt was seen. */
  finished: boolean;
  /** One pushed reference per image. */
  images: string[];
  switched: SwitchedGeneration[];
}

/**
 * The run's publishing was interrupted: names what was published before the interrupt (if
 * anything), so a user knows whether clients already see the new images and binpkgs.
 */
export function publishingInterrupted(done: PublishedSoFar, cause?: unknown): BinfarmError {
  const opts = cause === undefined ? {} : { cause };
  // A generation that was removed says so itself; a bare "interrupted by SIGINT" adds nothing.
  const detail = isBinfarmError(cause) && cause.details?.removedGeneration !== undefined ? ` (${cause.message})` : '';
  const pushed = done.images.length ? `pushed ${done.images.join(', ')}; ` : '';
  if (!done.switched.length) {
    return new BinfarmError('E_INTERRUPTED', `publishing was interrupted: ${pushed}no binhost generation was published, every current generation is unchanged${detail}`, {
      ...opts,
      hint: 'Run `binfarm run --publish` again to publish; what was built is kept.',
    });
  }
  const list = done.switched.map((s) => `${s.target}/${s.partition} → generation ${s.generation}`).join(', ');
  return new BinfarmError('E_INTERRUPTED', `interrupted after publishing: ${pushed}${list} (now current)${done.finished ? '' : '; the rest was not published'}${detail}`, {
    ...opts,
    hint: done.finished
      ? 'Publishing had finished. `binfarm binhost rollback` switches current back if it should not be live.'
      : 'Run `binfarm run --publish` again to publish the rest; `binfarm binhost rollback` switches a partition back.',
  });
}
