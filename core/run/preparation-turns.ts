/**
 * Turns for the phases before emerge (a subject's preparation: its build container started, its
 * Portage files applied). An executor may say how many subjects prepare at once (Executor
 * `preparations`): the swarm executor says as many as it has nodes to run jobs on. Preparing every
 * ready subject at once made each wait for all the others on the coordinating host — a job starts
 * only once its own subject is prepared — while the subjects beyond the free nodes gained nothing:
 * their jobs queue on the swarm anyway. Turns go in the order subjects ask (plan order); a turn
 * ends when the subject's emerge phase starts, or its walk ends.
 */

/** Ends a turn; a second call does nothing. */
export type EndTurn = () => void;

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
    max ??= limit().catch(() => undefined);
    const n = await max;
    if (n === undefined || !(n >= 1)) return () => undefined;
    if (active < Math.floor(n)) {
      active++;
      return turn();
    }
    onWait(Math.floor(n));
    await new Promise<void>((resolve) => waiting.push(resolve));
    return turn();
  };
}
