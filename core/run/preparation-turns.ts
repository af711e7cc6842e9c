/**
 * Turns for the phases before emerge (a subject's preparation: its build container started, its
 * Portage files applied). An executor may say how many subjects prepare at once (Executor
 * `preparations`): the swarm executor says as many as it has nodes to run jobs on. Preparing every
 * ready subject at once made each wait for all the others on the coordinating host — a job starts
 * only once its own subject is prepared — while the subjects beyond the free nodes gained nothing:
 * their jobs queue on the swarm anyway. Turns go in the order subjects ask (plan order). A turn
 * ends when the executor says its subject is prepared (endPreparationTurn: the swarm executor once
 * the subject's job runs on a node), else once the emerge phase ended, or when the walk ends.
 */
import type { SubjectBuild } from './context.ts';

/** Ends a turn; a second call does nothing. */
export type EndTurn = () => void;

/** build.data key: the end of the subject's turn (core/run/walk.ts puts it there). */
export const PREPARATION_TURN = 'binfarm:preparation-turn';

/** The executor's word that the subject is prepared: the next subject may begin its preparation. */
export function endPreparationTurn(build: SubjectBuild): void {
  (build.data.get(PREPARATION_TURN) as EndTurn | undefined)?.();
}

/** `limit` is asked once, on the first turn; undefined (or anything below 1) means no limit. */
export function createPreparationTurns(limit: () => Promise<number | undefined>): (onWait: (limit: number) => void) => Promise<EndTurn> {
  let max: Promise<number | undefined> | undefined;
  let active = 0;
  const waiting: Array<() => void> = [];
  // An ending turn hands its place to the first waiter (active stays), so no newcomer slips in between.
  const end = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const turn = (): EndTurn => {
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      end();
    };
  };
  return async (onWait) => {
    max ??= limit().then(
      (n) => (n !== undefined && n >= 1 ? Math.floor(n) : undefined),
      () => undefined,
    );
    const n = await max;
    if (n === undefined) return () => undefined;
    if (active < n) {
      active++;
      return turn();
    }
    onWait(n);
    await new Promise<void>((resolve) => waiting.push(resolve));
    return turn();
  };
}
