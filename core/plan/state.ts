/**
 * What the last build of each subject left behind: `<stateDir>/subjects/<name>.json`. The
 * planner compares a fresh key (and its inputs) with it; `plan` without Docker takes the stage3
 * and tree digests from it. Files are written atomically, so a crash leaves the old record.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import type { KeyContent } from './file-inputs.ts';
import type { RecordedSlice } from './tree-slice.ts';

export const STATE_VERSION = 1;

/** Outcome of the last attempt at a subject that did not finish (failure or interruption). */
export interface AttemptRecord {
  status: 'failed' | 'interrupted';
  runId: string;
  at: string;
  key?: string;
  /** cat/pf built from source before it stopped. */
  built: string[];
  /** cat/pf reused from binpkgs. */
  binary: string[];
  failed: string[];
  message?: string;
}

export interface SubjectState {
  version: typeof STATE_VERSION;
  subject: string;
  /** Content key of the last successful build. */
  key: string;
  /** Inputs of that key (name → digest), for `plan --explain`. */
  inputs: Record<string, string>;
  /**
   * What the keyed files held (`file:<path>` → make.conf variables without tuning knobs, or
   * package.* lines), so `plan --explain` can name the variable or line that changed. Absent in
   * states written before it was recorded: those explain at file level.
   */
  content?: Record<string, KeyContent>;
  /** Hashes of the stage3 / tree source settings the recorded digests belong to. */
  sources: { stage3?: string; tree?: string };
  image: { ref: string; id: string };
  /** Binhost partition (path relative to the binhost root) and its host directory. */
  partition: { rel: string; dir: string };
  /** Binpkg files of this subject, relative to the partition directory (Packages PATH values). */
  packages: string[];
  /** cat/pf of every package emerged for this subject, and how. */
  built: string[];
  binary: string[];
  portageVersion: string;
  runId: string;
  builtAt: string;
  /** Where it was published last (registry refs, binhost generations). */
  published?: { images?: string[]; generations?: Record<string, number>; at: string };
  lastAttempt?: AttemptRecord;
  /** The tree slice of the build (core/plan/tree-slice.ts); its digest is the key input `tree`. */
  treeSlice?: RecordedSlice;
}

export function subjectStatePath(stateDir: string, subject: string): string {
  return join(stateDir, 'subjects', `${subject}.json`);
}

export async function readSubjectState(stateDir: string, subject: string): Promise<SubjectState | undefined> {
  const path = subjectStatePath(stateDir, subject);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as SubjectState;
    if (parsed.version !== STATE_VERSION) return undefined; // an older layout: treat as never built
    return parsed;
  } catch (e) {
    throw new BinfarmError('E_PLAN', `the state file ${path} is not valid JSON: ${(e as Error).message}`, {
      hint: `Delete ${path}; the subject is then rebuilt (or skipped if its image and binpkgs exist).`,
      cause: e,
    });
  }
}

export async function writeSubjectState(stateDir: string, state: SubjectState): Promise<void> {
  await writeFileAtomic(subjectStatePath(stateDir, state.subject), `${JSON.stringify(state, null, 2)}\n`);
}

/** Records an unfinished attempt without touching the last successful build. */
export async function recordAttempt(stateDir: string, subject: string, attempt: AttemptRecord): Promise<void> {
  const prev = await readSubjectState(stateDir, subject);
  if (prev) {
    await writeSubjectState(stateDir, { ...prev, lastAttempt: attempt });
    return;
  }
  // Never built: keep the attempt on its own so the next run can say what happened.
  await writeFileAtomic(join(stateDir, 'subjects', `${subject}.attempt.json`), `${JSON.stringify(attempt, null, 2)}\n`);
}

/** Merges fields into the recorded state (e.g. `published`), when there is one. */
export async function updateSubjectState(stateDir: string, subject: string, patch: Partial<SubjectState>): Promise<void> {
  const prev = await readSubjectState(stateDir, subject);
  if (prev) await writeSubjectState(stateDir, { ...prev, ...patch });
}
