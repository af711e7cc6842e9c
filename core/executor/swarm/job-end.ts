/**
 * A swarm job's report of its own end (`POST /jobs/<id>/end`, job.sh's last request, after its
 * last upload): its exit status as decimal text. binfarm learns that a job ended from the job
 * rather than from its task's state, which reaches the manager later (the node's agent reports it,
 * then binfarm's poll sees it), so the uploads are verified and the image is made here sooner
 * (run-job.ts). A report is taken only as a hint for the fast path: only "0" ends the wait early,
 * and a report cannot make anything enter the partition (its uploads are verified as always).
 */

export interface JobEndReport {
  /** The job script's exit status. */
  status: number;
}

/** `0\n` → { status: 0 }; anything but a status 0-255 → undefined. */
export function parseJobEnd(body: string): JobEndReport | undefined {
  const m = /^\s*(\d{1,3})\s*$/.exec(body);
  if (!m) return undefined;
  const status = Number(m[1]);
  return status <= 255 ? { status } : undefined;
}

/**
 * Resolves `ended` once the job reported status 0 and a line matching `lastLine` came through its
 * followed log (pass every line to `line`): the lines are then complete, in the order the job
 * printed them. Any other report leaves it pending, and the task's final state decides.
 */
export function reportedEnd(report: Promise<JobEndReport>, lastLine: RegExp): { ended: Promise<void>; line(l: string): void } {
  let ok = false;
  let seen = false;
  let resolve!: () => void;
  const ended = new Promise<void>((r) => (resolve = r));
  void report.then((r) => {
    ok = r.status === 0;
    if (ok && seen) resolve();
  });
  return {
    ended,
    line(l) {
      if (seen || !lastLine.test(l)) return;
      seen = true;
      if (ok) resolve();
    },
  };
}
