/**
 * Reconciling a partition with its `Packages` index before anything builds in it: every file
 * the index lists is checked (SIZE and digests; verify-cache.ts spares unchanged files the
 * hashing); files missing or differing are quarantined outside the partition and reported, and
 * the index is rewritten without them (atomically, in Portage's format). Otherwise Portage
 * either fails on a listed file that is gone ("Tried to use non-existent binary") or
 * `emaint binhost --fix` silently drops an unreadable one, and the image that contains the
 * package no longer matches the binhost. Never repaired in place: the subjects that recorded
 * the file are rebuilt (core/plan/binpkg-check.ts).
 */
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BinfarmError } from '../errors.ts';
import type { RunContext } from '../run/context.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { binpkgName, checkEntryFile, type CheckMode } from './entry-check.ts';
import { parsePackagesIndex, serializePackagesIndex, type IndexBlock } from './packages-index.ts';
import { quarantineFiles, type QuarantinedFile } from './quarantine.ts';
import { VerifyCache, verifyCacheDir } from './verify-cache.ts';

export interface ReconcileOptions {
  stateDir: string;
  /** Partition directory and its path relative to the binhost root. */
  dir: string;
  rel: string;
  /** Names the quarantine directory (the run id, or `verify-<time>`). */
  id: string;
  mode: CheckMode;
  /** Only report: quarantine nothing and leave the index alone. */
  dryRun?: boolean;
}

export interface BadBinpkg extends Omit<QuarantinedFile, 'movedTo'> {}

export interface ReconcileResult {
  /** Entries checked. */
  checked: number;
  bad: BadBinpkg[];
  /** Where the bad files went (when any were quarantined). */
  quarantineDir?: string;
}

/** One warning line per bad binpkg. */
export function describeBad(b: BadBinpkg, rel: string): string {
  return `binpkg ${b.name} (${b.cpv}) in partition ${rel} is ${b.kind}: ${b.what}`;
}

export async function reconcilePartition(opts: ReconcileOptions): Promise<ReconcileResult> {
  const indexPath = join(opts.dir, 'Packages');
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { checked: 0, bad: [] };
    throw e;
  }
  // As written (no defaults filled in), so the rewrite changes nothing but the dropped blocks.
  const index = parsePackagesIndex(text, { fill: false });
  const cache = await VerifyCache.load(verifyCacheDir(opts.stateDir), opts.dir);
  const bad: BadBinpkg[] = [];
  const good: IndexBlock[] = [];
  for (const entry of index.packages) {
    const v = await checkEntryFile(opts.dir, entry, cache, opts.mode);
    if (v.ok) good.push(entry);
    else bad.push({ path: entry.PATH ?? '', cpv: entry.CPV!, name: entry.PATH ? binpkgName(entry.PATH) : entry.CPV!, kind: v.kind, what: v.what, entry });
  }
  await cache.save().catch(() => undefined);
  if (!bad.length || opts.dryRun) return { checked: index.packages.length, bad };

  let quarantineDir: string;
  try {
    quarantineDir = await quarantineFiles(opts.stateDir, opts.dir, opts.rel, opts.id, bad);
    await rewriteIndex(opts.dir, text, { header: index.header, packages: good });
  } catch (e) {
    if (e instanceof BinfarmError) throw e;
    throw new BinfarmError('E_BINHOST', `cannot quarantine the bad binpkgs of partition ${opts.rel} (${bad.map((b) => b.name).join(', ')}): ${(e as Error).message}`, {
      hint: `binfarm moves them to ${join(opts.stateDir, 'quarantine')} and rewrites ${indexPath}; both must be writable by the user running binfarm.`,
      cause: e,
      details: { partition: opts.rel, bad },
    });
  }
  return { checked: index.packages.length, bad, quarantineDir };
}

/** Writes Packages (and Packages.gz when compress-index left one) as Portage does: atomically, mtime = TIMESTAMP. */
async function rewriteIndex(dir: string, oldText: string, index: { header: IndexBlock; packages: IndexBlock[] }): Promise<void> {
  const now = Date.now() / 1000;
  const text = serializePackagesIndex(index, { touch: now });
  if (text === oldText) return;
  const indexPath = join(dir, 'Packages');
  const mode = (await stat(indexPath)).mode & 0o7777;
  const gzPath = join(dir, 'Packages.gz');
  const hadGz = await stat(gzPath).then(
    () => true,
    () => false,
  );
  // Packages.gz first: clients fetch it first, and a stale one is worse than a missing new entry.
  if (hadGz) await writeFileAtomic(gzPath, gzipSync(text), mode);
  await writeFileAtomic(indexPath, text, mode);
  const t = Math.floor(now);
  for (const p of hadGz ? [indexPath, gzPath] : [indexPath]) await utimes(p, t, t);
}

const MEMO = 'binfarm:binhost-reconcile';

/**
 * Reconciles a partition once per run (several subjects share a partition, and after the
 * first build in it the binpkgs are the run's own). Bad files are logged as warnings.
 */
export function reconcileOnce(run: RunContext, dir: string, rel: string): Promise<ReconcileResult> {
  let memo = run.data.get(MEMO) as Map<string, Promise<ReconcileResult>> | undefined;
  if (!memo) run.data.set(MEMO, (memo = new Map()));
  let p = memo.get(dir);
  if (!p) {
    p = reconcilePartition({ stateDir: run.stateDir, dir, rel, id: run.runId, mode: 'cached' }).then((r) => {
      for (const b of r.bad) run.logger.warn(`${describeBad(b, rel)}; ${r.quarantineDir ? `quarantined to ${r.quarantineDir}` : 'dropped from the index'}`);
      if (r.bad.length) {
        run.logger.warn(
          `partition ${rel}: ${r.bad.length} binpkg(s) removed from the Packages index; ` +
            'the subjects whose images contain them are stale until rebuilt (`binfarm plan --explain` names them)',
        );
      }
      return r;
    });
    memo.set(dir, p);
    p.catch(() => memo!.delete(dir));
  }
  return p;
}
