/**
 * Quarantine: binpkgs that are missing or differ from their index entry are moved out of the
 * partition (never deleted) to `<stateDir>/quarantine/<partition-rel>/<id>/<PATH>`, with a
 * `quarantine.json` beside them naming each file, its CPV, what differed and the index entry.
 * The planner reads these records to say "binpkg corrupt" rather than "missing".
 */
import { copyFile, mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import type { IndexBlock } from './packages-index.ts';

export const QUARANTINE_MANIFEST = 'quarantine.json';

export interface QuarantinedFile {
  /** PATH in the partition. */
  path: string;
  cpv: string;
  /** `<cat>/<pf>-<build id>` (binpkgName). */
  name: string;
  kind: 'missing' | 'corrupt';
  what: string;
  /** Where the file went; absent when it was missing. */
  movedTo?: string;
  entry: IndexBlock;
}

export interface QuarantineRecord {
  partition: string;
  id: string;
  at: string;
  files: QuarantinedFile[];
}

export function quarantineRoot(stateDir: string, partitionRel: string): string {
  return join(stateDir, 'quarantine', ...partitionRel.split('/'));
}

/** Moves a file, across filesystems too (copy, then unlink the original). */
async function move(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  try {
    await rename(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(src, dst);
    await unlink(src);
  }
}

/**
 * Moves the existing files of `bad` from `partitionDir` into the quarantine directory `id` and
 * appends them to its manifest. Returns the directory.
 */
export async function quarantineFiles(
  stateDir: string,
  partitionDir: string,
  partitionRel: string,
  id: string,
  bad: Array<Omit<QuarantinedFile, 'movedTo'>>,
): Promise<string> {
  const dir = join(quarantineRoot(stateDir, partitionRel), id);
  const manifestPath = join(dir, QUARANTINE_MANIFEST);
  const prev = await readFile(manifestPath, 'utf8').then(
    (t) => JSON.parse(t) as QuarantineRecord,
    () => undefined,
  );
  const files: QuarantinedFile[] = [...(prev?.files ?? [])];
  for (const b of bad) {
    const to = join(dir, ...b.path.split('/'));
    let moved = false;
    if (b.kind === 'corrupt') {
      try {
        await move(join(partitionDir, b.path), to);
        moved = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    files.push({ ...b, ...(moved ? { movedTo: to } : {}) });
  }
  const record: QuarantineRecord = { partition: partitionRel, id, at: new Date().toISOString(), files };
  await writeFileAtomic(manifestPath, `${JSON.stringify(record, null, 2)}\n`);
  return dir;
}

/** Every quarantine record of a partition, oldest first (by id). */
export async function readQuarantine(stateDir: string, partitionRel: string): Promise<QuarantineRecord[]> {
  const root = quarantineRoot(stateDir, partitionRel);
  const ids = (await readdir(root).catch(() => [] as string[])).sort();
  const out: QuarantineRecord[] = [];
  for (const id of ids) {
    const text = await readFile(join(root, id, QUARANTINE_MANIFEST), 'utf8').catch(() => undefined);
    if (!text) continue;
    try {
      out.push(JSON.parse(text) as QuarantineRecord);
    } catch {
      // a damaged record only loses the "corrupt" wording; the file is still reported missing
    }
  }
  return out;
}
