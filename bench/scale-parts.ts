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

/**
 * The shape of a run of swarm jobs, from its events: the head (run start to the first job's first
 * line), the gaps on a node between one job's last line and the next job's first line there (the
 * swarm's task end, scheduling, pull and start), and the tail (the last job's last line to the
 * run's end: the coordinator's receive, `--usepkgonly` image and package phases). The speed-up
 * depends on these: head and tail count once in both runs, a gap three times on 1 node and once on 2.
 */
export function runShape(events: JsonEvent[], subjects: string[]): { head: number; gaps: number[]; tail: number } {
  const at = (e: JsonEvent | undefined) => (e ? Date.parse(e.time) : NaN);
  const start = at(events.find((e) => e.event === 'run:start'));
  const end = at(events.find((e) => e.event === 'run:end'));
  const jobs = subjects.map((s) => {
    const mine = events.filter((e) => e.subject === s);
    const first = at(mine.find((e) => e.event === 'output' && /^binfarm-job: transfers with /.test(e.line ?? '')));
    const last = at(mine.find((e) => e.event === 'output' && /^binfarm-job: done/.test(e.line ?? '')));
    const note = String(mine.find((e) => e.event === 'phase:end' && e.phase === 'emerge')?.record?.note ?? '');
    return { first, last, node: / on node (.+)$/.exec(note)?.[1] ?? '?' };
  });
  const gaps: number[] = [];
  for (const node of new Set(jobs.map((j) => j.node))) {
    const on = jobs.filter((j) => j.node === node).sort((a, b) => a.first - b.first);
    for (let i = 1; i < on.length; i++) gaps.push(on[i]!.first - on[i - 1]!.last);
  }
  return { head: Math.min(...jobs.map((j) => j.first)) - start, gaps, tail: end - Math.max(...jobs.map((j) => j.last)) };
}

/** `head 9.9 s, gaps on a node 1.8 s (1.7, 1.8, 2.2), tail 6.7 s` */
export function formatShape(shape: { head: number; gaps: number[]; tail: number }): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const sorted = [...shape.gaps].sort((a, b) => a - b);
  const median = sorted.length ? s(sorted[Math.floor((sorted.length - 1) / 2)]!) : '-';
  return `head ${s(shape.head)} s, gaps on a node ${median} s median (${shape.gaps.map(s).join(', ')}), tail ${s(shape.tail)} s`;
}
