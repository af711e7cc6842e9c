/**
 * A generation is published only when it holds every binpkg an image of its partition was made
 * from: the recorded binpkgs (state `packages`) of each subject built into the partition must be
 * in the index about to be published. Otherwise a client installing from the binhost would miss
 * packages the images have — the case where a bad binpkg was quarantined and the subject that
 * made it was not rebuilt yet.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { binpkgName } from '../binhost/entry-check.ts';
import { parsePackagesIndex } from '../binhost/packages-index.ts';
import { readSubjectState, type SubjectState } from '../plan/state.ts';

export interface MissingFromGeneration {
  subject: string;
  /** `<cat>/<pf>-<build id>` of each recorded binpkg the index lacks. */
  binpkgs: string[];
}

/** Subjects of `names` recorded in partition `rel` whose binpkgs the index in `dir` lacks. */
export async function missingFromIndex(stateDir: string, dir: string, rel: string, names: Iterable<string>): Promise<MissingFromGeneration[]> {
  const text = await readFile(join(dir, 'Packages'), 'utf8').catch(() => '');
  const paths = new Set(parsePackagesIndex(text).packages.map((p) => p.PATH));
  const out: MissingFromGeneration[] = [];
  for (const name of new Set(names)) {
    const s: SubjectState | undefined = await readSubjectState(stateDir, name);
    if (!s || s.partition.rel !== rel) continue;
    const lacking = s.packages.filter((p) => !paths.has(p));
    if (lacking.length) out.push({ subject: name, binpkgs: lacking.map(binpkgName) });
  }
  return out;
}

/** Throws E_PUBLISH naming every missing binpkg and the subjects to rebuild. */
export async function assertCompleteGeneration(stateDir: string, dir: string, rel: string, names: Iterable<string>): Promise<void> {
  const missing = await missingFromIndex(stateDir, dir, rel, names);
  if (!missing.length) return;
  const lines = missing.map((m) => `  ${m.subject}: ${m.binpkgs.join(', ')}`);
  const subjects = missing.map((m) => m.subject);
  throw new BinfarmError('E_PUBLISH', `refusing to publish partition ${rel}: its Packages index lacks binpkgs that images of the partition contain:\n${lines.join('\n')}`, {
    hint: `Rebuild them with \`binfarm run ${subjects.join(' ')}\` (the plan sees their binpkgs missing or corrupt), then publish again. Nothing was published for this partition.`,
    details: { partition: rel, missing },
  });
}
