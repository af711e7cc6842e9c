/**
 * Per-package times from emerge's own lines: a package starts at `>>> Emerging (n of m)` and
 * ends at its completion (`>>> Completed`, `>>> cat/pf merged.`) or failure line. With
 * `--jobs` several are in flight at once; each is timed on its own. What started but never
 * ended (the run was interrupted) is not reported.
 */
import type { PackageProgress } from '../run/context.ts';
import type { EmergeEvent } from './parse-output.ts';
import { nowMs } from '../util/clock.ts';

export class PackageTimer {
  private readonly inFlight = new Map<string, { t0: number; binary: boolean }>();

  constructor(private readonly report: (ev: PackageProgress) => void, private readonly now: () => number = nowMs) {}

  feed(ev: EmergeEvent | undefined): void {
    if (!ev) return;
    if (ev.type === 'start') {
      this.inFlight.set(ev.cpv, { t0: this.now(), binary: ev.binary });
      this.report({ kind: 'start', cpv: ev.cpv, binary: ev.binary });
    } else if (ev.type === 'complete' || ev.type === 'failed') {
      const started = this.inFlight.get(ev.cpv);
      if (!started) return;
      this.inFlight.delete(ev.cpv);
      this.report({ kind: 'end', cpv: ev.cpv, binary: started.binary, status: ev.type === 'failed' ? 'failed' : 'done', ms: Math.round(this.now() - started.t0) });
    }
  }

  /** Ends every package still in flight as done (emerge exited 0: Portage may print no completion line). */
  finish(exitCode: number): void {
    if (exitCode !== 0) return;
    for (const [cpv, s] of this.inFlight) this.report({ kind: 'end', cpv, binary: s.binary, status: 'done', ms: Math.round(this.now() - s.t0) });
    this.inFlight.clear();
  }
}
