/**
 * What `binfarm clean` would remove, and why everything else stays. Kept always: each subject's
 * current image (its state file), images a published state names, the newest `clean.keepImages`
 * other images per subject, and the newest `clean.keepRuns` runs. Removed: older subject images
 * of this farm (`<imagePrefix>/<subject>`, labelled binfarm.owned), pending images whose run is
 * over, kept failed builds, run directories and refused swarm uploads (`incoming/<job>.rejected`)
 * older than `clean.runDays`, and `.attempt.json` files of subjects that have been built since. Images of other farms and anything without
 * binfarm's labels are never touched.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { Engine, ImageInfo } from '../engine/types.ts';
import { IMAGE_LABEL } from '../plan/image-labels.ts';
import { listRuns } from '../run/history.ts';
import { readSubjectState, type SubjectState } from '../plan/state.ts';

export interface CleanItem {
  kind: 'image' | 'run' | 'attempt' | 'rejected upload';
  /** Image ref (or id), run directory, or file. */
  what: string;
  id?: string;
  subject?: string;
  bytes: number;
  why: string;
}

export interface CleanPlan {
  remove: CleanItem[];
  /** Counted for the summary: what stays and why. */
  kept: Array<{ kind: 'image' | 'run'; what: string; why: string }>;
}

const DAY = 24 * 3600 * 1000;

/** The recorded state; a file that cannot be read is treated as none here (clean never decides on it). */
function readState(stateDir: string, subject: string): Promise<SubjectState | undefined> {
  return readSubjectState(stateDir, subject).catch(() => undefined);
}

function dirBytes(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) n += statSync(p).size;
    }
  };
  try {
    walk(dir);
  } catch {
    // vanished while counting
  }
  return n;
}

export async function planClean(opts: { options: BinfarmOptions; stateDir: string; subjects: string[]; engine?: Engine; now?: number }): Promise<CleanPlan> {
  const { options, stateDir } = opts;
  const now = opts.now ?? Date.now();
  const cutoff = now - options.clean.runDays * DAY;
  const remove: CleanItem[] = [];
  const kept: CleanPlan['kept'] = [];

  // Runs: the newest keepRuns always stay; older ones beyond runDays go (a running one never).
  const runs = listRuns(stateDir);
  runs.forEach((r, i) => {
    const started = r.journal ? Date.parse(r.journal.startedAt) : statSync(r.dir).mtimeMs;
    if (r.status === 'running') return kept.push({ kind: 'run', what: r.runId, why: 'still running' });
    if (i < options.clean.keepRuns) return kept.push({ kind: 'run', what: r.runId, why: `one of the newest ${options.clean.keepRuns}` });
    if (started >= cutoff) return kept.push({ kind: 'run', what: r.runId, why: `younger than ${options.clean.runDays} days` });
    remove.push({ kind: 'run', what: r.dir, bytes: dirBytes(r.dir), why: `older than ${options.clean.runDays} days` });
  });

  // A swarm job's refused uploads, kept for a look (docs/scale-out.md): they age like runs.
  const incomingDir = join(stateDir, 'incoming');
  if (existsSync(incomingDir)) {
    for (const name of readdirSync(incomingDir).filter((n) => n.endsWith('.rejected'))) {
      const path = join(incomingDir, name);
      if (statSync(path).mtimeMs < cutoff) remove.push({ kind: 'rejected upload', what: path, bytes: dirBytes(path), why: `older than ${options.clean.runDays} days` });
    }
  }

  // Attempt records of subjects built after the attempt.
  const subjectsDir = join(stateDir, 'subjects');
  if (existsSync(subjectsDir)) {
    for (const f of readdirSync(subjectsDir).filter((n) => n.endsWith('.attempt.json'))) {
      const subject = f.slice(0, -'.attempt.json'.length);
      const state = await readState(stateDir, subject);
      if (!state) continue;
      const path = join(subjectsDir, f);
      remove.push({ kind: 'attempt', what: path, subject, bytes: statSync(path).size, why: `"${subject}" was built since (run ${state.runId})` });
    }
  }

  if (!opts.engine) return { remove, kept };
  // Images of this farm's subjects, newest first per subject.
  const protectedIds = new Map<string, string>();
  const bySubject = new Map<string, ImageInfo[]>();
  for (const subject of opts.subjects) {
    const state = await readState(stateDir, subject);
    if (state?.image.id) protectedIds.set(state.image.id, `the current image of "${subject}"`);
    for (const ref of state?.published?.images ?? []) protectedIds.set(ref, `published as ${ref}`);
  }
  const images = await opts.engine.listImages({ label: [`${IMAGE_LABEL.owned}=1`, IMAGE_LABEL.subject] });
  for (const img of images) {
    const subject = img.labels[IMAGE_LABEL.subject]!;
    const repo = `${options.imagePrefix}/${subject}`;
    if (!opts.subjects.includes(subject) || !img.repoTags.some((t) => t.startsWith(`${repo}:`))) continue; // another farm's
    const list = bySubject.get(subject) ?? [];
    list.push(img);
    bySubject.set(subject, list);
  }
  for (const [subject, list] of bySubject) {
    list.sort((a, b) => (b.created ?? 0) - (a.created ?? 0));
    let others = 0;
    for (const img of list) {
      const ref = img.repoTags.find((t) => t.startsWith(`${options.imagePrefix}/${subject}:`)) ?? img.id;
      const protectedWhy = protectedIds.get(img.id) ?? img.repoTags.map((t) => protectedIds.get(t)).find(Boolean);
      if (protectedWhy) {
        kept.push({ kind: 'image', what: ref, why: protectedWhy });
        continue;
      }
      // Kept failures: a failed emerge's container (labelled) or an image that failed its smoke tests (tagged).
      const failed = img.labels['binfarm.failed'] || img.repoTags.map((t) => /:failed-(\S+)$/.exec(t)?.[1]).find(Boolean);
      const created = (img.created ?? 0) * 1000;
      if (failed) {
        if (created >= cutoff) kept.push({ kind: 'image', what: ref, why: `kept failed build, younger than ${options.clean.runDays} days` });
        else remove.push({ kind: 'image', what: ref, id: img.id, subject, bytes: img.size, why: `failed build of run ${failed}, older than ${options.clean.runDays} days` });
        continue;
      }
      if (!img.labels[IMAGE_LABEL.key]) {
        // Committed but never promoted (its smoke tests did not finish): useless once its run is over.
        const run = img.labels[IMAGE_LABEL.builtBy];
        if (run && runs.find((r) => r.runId === run)?.status === 'running') kept.push({ kind: 'image', what: ref, why: `pending, run ${run} is still going` });
        else remove.push({ kind: 'image', what: ref, id: img.id, subject, bytes: img.size, why: 'never passed its smoke tests' });
        continue;
      }
      if (others < options.clean.keepImages) {
        others++;
        kept.push({ kind: 'image', what: ref, why: `one of the newest ${options.clean.keepImages} older images of "${subject}"` });
        continue;
      }
      remove.push({ kind: 'image', what: ref, id: img.id, subject, bytes: img.size, why: `older image of "${subject}" (key ${img.labels[IMAGE_LABEL.key]!.slice(0, 12)})` });
    }
  }
  return { remove, kept };
}
