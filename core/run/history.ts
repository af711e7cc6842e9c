/**
 * Past runs for `binfarm runs` and `binfarm logs`: run directories under `<stateDir>/runs`, each
 * described by its journal (run.json). Run directories of older binfarm versions have no journal
 * and are listed as such.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { effectiveStatus, listRunDirs, readJournal, type JournalSubject, type RunJournal } from './journal.ts';
import { RUN_ID_PATTERN } from './run-id.ts';

export interface RunEntry {
  runId: string;
  dir: string;
  journal: RunJournal | undefined;
  /** `died`: the journal says running, but its process is gone. */
  status: RunJournal['status'] | 'died' | 'unknown';
}

export function listRuns(stateDir: string): RunEntry[] {
  return listRunDirs(stateDir).map(({ runId, dir }) => {
    const journal = readJournal(dir);
    return { runId, dir, journal, status: journal ? effectiveStatus(journal) : 'unknown' };
  });
}

/** A run by id, unique id prefix, or `last`. */
export function findRun(stateDir: string, id: string): RunEntry {
  const runs = listRuns(stateDir);
  if (!runs.length) throw new BinfarmError('E_USAGE', `no runs recorded in ${join(stateDir, 'runs')}`, { hint: 'Runs are recorded by `binfarm run`.' });
  if (id === 'last') return runs[0]!;
  const hits = runs.filter((r) => r.runId === id || r.runId.startsWith(id));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1 && !hits.some((r) => r.runId === id)) {
    throw new BinfarmError('E_USAGE', `run id "${id}" is ambiguous: ${hits.slice(0, 5).map((r) => r.runId).join(', ')}${hits.length > 5 ? ', …' : ''}`, { hint: 'Give more of the id.' });
  }
  const exact = hits.find((r) => r.runId === id);
  if (exact) return exact;
  throw new BinfarmError('E_USAGE', `no run "${id}" in ${join(stateDir, 'runs')}`, {
    hint: `${RUN_ID_PATTERN.test(id) ? '' : 'Run ids look like 20261201-104500-1a2b. '}\`binfarm runs\` lists them.`,
  });
}

/** The newest run that worked on `subject` (built, failed or running it), or the given run. */
export function runOfSubject(stateDir: string, subject: string, runId?: string): { run: RunEntry; subject: JournalSubject | undefined; logFile: string } {
  const candidates = runId ? [findRun(stateDir, runId)] : listRuns(stateDir);
  for (const run of candidates) {
    const logFile = join(run.dir, `${subject}.log`);
    const s = run.journal?.subjects.find((x) => x.name === subject);
    if (existsSync(logFile)) return { run, subject: s, logFile };
  }
  throw new BinfarmError('E_USAGE', runId ? `run ${runId} has no log of subject "${subject}"` : `no run has built subject "${subject}" yet`, {
    hint: runId ? 'The subject was skipped (up to date) or not part of that run; `binfarm runs show <id>` lists its subjects.' : `Build it with \`binfarm run ${subject}\`.`,
  });
}

/** Portage's per-package build logs of a subject in a run (`cat:pf:<time>.log`), matching `atom` when given. */
export function packageLogs(runDir: string, subject: string, atom?: string): string[] {
  const dir = join(runDir, 'portage-logs', subject);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.log'));
  } catch {
    return [];
  }
  const files = names.sort().map((n) => join(dir, n));
  if (!atom) return files;
  // `dev-libs/boost`, `boost`, `=dev-libs/boost-1.88.0` or `dev-libs/boost-1.88.0` all match.
  const wanted = atom.replace(/^[<>=~]+/, '');
  const [cat, rest] = wanted.includes('/') ? wanted.split('/', 2) : [undefined, wanted];
  return files.filter((f) => {
    const [c, pf] = f.slice(dir.length + 1).split(':');
    if (!c || !pf) return false;
    if (cat && c !== cat) return false;
    return pf === rest || pf.startsWith(`${rest}-`) && /^\d/.test(pf.slice(rest!.length + 1));
  });
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
