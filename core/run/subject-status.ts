/**
 * `binfarm status`: per subject, its last good build (key, image, when, which run, how long the
 * build and its slowest packages took) beside what a run would do now (the plan, with reasons).
 */
import type { RunPlan } from '../plan/types.ts';
import { readSubjectState, type SubjectState } from '../plan/state.ts';
import { treeOrder } from '../plan/subject-tree.ts';
import { formatReason } from '../plan/print.ts';
import { formatDuration } from './history.ts';
import { readJournal, type JournalSubject } from './journal.ts';
import { runDirOf } from './paths.ts';

export interface SubjectStatus {
  name: string;
  depth: number;
  action: 'build' | 'skip';
  reasons: string[];
  built?: {
    key: string;
    image: string;
    at: string;
    runId: string;
    packages: number;
    ms?: number;
    slowest: Array<{ cpv: string; ms: number; binary: boolean }>;
  };
}

function journalEntry(stateDir: string, state: SubjectState): JournalSubject | undefined {
  return readJournal(runDirOf(stateDir, state.runId))?.subjects.find((s) => s.name === state.subject);
}

export async function subjectStatuses(stateDir: string, plan: RunPlan): Promise<SubjectStatus[]> {
  const out: SubjectStatus[] = [];
  for (const { row: p, depth } of treeOrder(plan.order)) {
    const state = await readSubjectState(stateDir, p.subject.name);
    const status: SubjectStatus = { name: p.subject.name, depth, action: p.action, reasons: p.reasons.map(formatReason) };
    if (state) {
      const j = journalEntry(stateDir, state);
      const slowest = Object.entries(j?.packages ?? {})
        .map(([cpv, x]) => ({ cpv, ms: x.ms, binary: x.binary }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3);
      status.built = {
        key: state.key,
        image: state.image.ref,
        at: state.builtAt,
        runId: state.runId,
        packages: state.built.length + state.binary.length,
        ...(j?.ms !== undefined ? { ms: j.ms } : {}),
        slowest,
      };
    }
    out.push(status);
  }
  return out;
}

function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function formatStatuses(list: SubjectStatus[], now = Date.now()): string {
  const lines: string[] = [];
  const width = Math.max(...list.map((s) => s.depth * 2 + s.name.length), 4);
  for (const s of list) {
    const name = `${'  '.repeat(s.depth)}${s.name}`.padEnd(width);
    const verdict = s.action === 'skip' ? 'up to date' : `stale: ${s.reasons[0] ?? 'unknown'}${s.reasons.length > 1 ? ` (+${s.reasons.length - 1} more)` : ''}`;
    if (!s.built) {
      lines.push(`${name}  never built          ${verdict}`);
      continue;
    }
    const b = s.built;
    lines.push(`${name}  ${b.key.slice(0, 12)}  ${ago(b.at, now).padEnd(12)} ${verdict}`);
    const took = b.ms !== undefined ? `, build ${formatDuration(b.ms)}` : '';
    lines.push(`${' '.repeat(width)}    ${b.image} (run ${b.runId}, ${b.packages} package${b.packages === 1 ? '' : 's'}${took})`);
    if (b.slowest.length) lines.push(`${' '.repeat(width)}    slowest: ${b.slowest.map((p) => `${p.cpv} ${formatDuration(p.ms)}${p.binary ? ' (binary)' : ''}`).join(', ')}`);
  }
  return lines.join('\n');
}
