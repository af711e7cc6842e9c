/**
 * Runs the subjects of a plan: a subject starts once its parent has finished, at most
 * `concurrency` at a time, in plan order among those ready. A failed (or itself skipped)
 * parent skips its descendants with a reason naming it. When `stop()` turns true (Ctrl-C,
 * --fail-fast), nothing new starts and what has not started is skipped.
 */
export interface ScheduleNode {
  name: string;
  /** Parent within this schedule; a parent outside it counts as done. */
  parent: string | null;
}

export type Outcome = { status: 'done' } | { status: 'failed'; error: unknown } | { status: 'skipped'; reason: string };

export interface ScheduleOptions {
  concurrency: number;
  /** Does the work of one node; throwing marks it failed. */
  work(name: string): Promise<void>;
  /** Called for every node that will not run, with the reason. */
  skipped(name: string, reason: string): void;
  /** Checked before each start. Return a reason to stop starting new nodes. */
  stop?(): string | undefined;
}

export async function runSchedule(nodes: readonly ScheduleNode[], opts: ScheduleOptions): Promise<Map<string, Outcome>> {
  const limit = Math.max(1, Math.floor(opts.concurrency));
  const names = new Set(nodes.map((n) => n.name));
  const outcomes = new Map<string, Outcome>();
  const pending = [...nodes];
  let active = 0;

  return new Promise((resolve) => {
    const skip = (name: string, reason: string) => {
      outcomes.set(name, { status: 'skipped', reason });
      opts.skipped(name, reason);
    };
    const pump = (): void => {
      // Resolve blocked nodes first: their parents failed or were skipped.
      let changed = true;
      while (changed) {
        changed = false;
        for (let i = 0; i < pending.length; i++) {
          const n = pending[i]!;
          const p = n.parent && names.has(n.parent) ? outcomes.get(n.parent) : undefined;
          if (p && p.status !== 'done') {
            pending.splice(i--, 1);
            skip(n.name, p.status === 'failed' ? `parent "${n.parent}" failed` : `parent "${n.parent}" was not built`);
            changed = true;
          }
        }
      }
      const stopReason = opts.stop?.();
      if (stopReason) {
        for (const n of pending.splice(0)) skip(n.name, stopReason);
      }
      for (let i = 0; i < pending.length && active < limit; i++) {
        const n = pending[i]!;
        const ready = !n.parent || !names.has(n.parent) || outcomes.get(n.parent)?.status === 'done';
        if (!ready) continue;
        pending.splice(i--, 1);
        active++;
        opts
          .work(n.name)
          .then(
            () => outcomes.set(n.name, { status: 'done' }),
            (error: unknown) => outcomes.set(n.name, { status: 'failed', error }),
          )
          .finally(() => {
            active--;
            pump();
          });
      }
      if (active === 0 && pending.length === 0) resolve(outcomes);
      else if (active === 0 && pending.length > 0) {
        // Parents outside the order would deadlock: report instead of hanging.
        for (const n of pending.splice(0)) skip(n.name, `parent "${n.parent}" never ran (plan order is not topological)`);
        resolve(outcomes);
      }
    };
    pump();
  });
}
