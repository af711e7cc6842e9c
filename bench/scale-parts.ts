/**
 * Where a subject's time went in a run, from its own JSON events (bench/scale.ts): the phases'
 * durations, and for a swarm job the steps of its emerge phase, timed by the job's status lines
 * (job.sh prints them; binfarm sees them through the service log, so a line is timed when it arrives).
 */
import type { JsonEvent } from '../test/swarm/swarm-farm.ts';

export interface SubjectParts {
  /** Phase → ms (phase:end records). */
  phases: Record<string, number>;
  /** Steps of a swarm emerge phase, ms; empty for a local one. */
  job: Record<string, number>;
}

const STEPS: Array<[string, RegExp]> = [
  ['to job start', /^binfarm-job: transfers with /],
  ['context', /^binfarm-job: running emerge$/],
  ['emerge in job', /^binfarm-job: emerge exited with status /],
  ['uploads', /^binfarm-job: done/],
  ['job end + receive', /^received \d+ binpkgs? from the job/],
];

export function subjectParts(events: JsonEvent[], subject: string): SubjectParts {
  const mine = events.filter((e) => e.subject === subject);
  const phases: Record<string, number> = {};
  for (const e of mine) {
    const ms = (e.record as { ms?: number } | undefined)?.ms;
    if (e.event === 'phase:end' && e.phase && typeof ms === 'number') phases[e.phase] = ms;
  }
  const job: Record<string, number> = {};
  const start = mine.find((e) => e.event === 'phase:start' && e.phase === 'emerge');
  const end = mine.find((e) => e.event === 'phase:end' && e.phase === 'emerge');
  let last = start ? Date.parse(start.time) : NaN;
  for (const [name, re] of STEPS) {
    const hit = mine.find((e) => e.event === 'output' && re.test(e.line ?? ''));
    if (!hit) return { phases, job: {} };
    job[name] = Date.parse(hit.time) - last;
    last = Date.parse(hit.time);
  }
  if (end) job['image here (--usepkgonly)'] = Date.parse(end.time) - last;
  return { phases, job };
}

/** `a 1.2 s, b 0.3 s` */
export function formatParts(parts: Record<string, number>): string {
  return Object.entries(parts)
    .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
}

/** Median of each key over several part records. */
export function medianParts(all: Array<Record<string, number>>): Record<string, number> {
  const keys = [...new Set(all.flatMap((p) => Object.keys(p)))];
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
  return Object.fromEntries(keys.map((k) => [k, median(all.map((p) => p[k]).filter((x): x is number => x !== undefined))]));
}
