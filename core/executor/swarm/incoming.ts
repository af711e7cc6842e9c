/**
 * A swarm job's uploads (`<stateDir>/incoming/<jobId>/`, written by job-endpoint.ts) enter the
 * binhost partition only after every check passed: each uploaded binpkg against its own entry in
 * the job's `Packages` (SIZE and every digest the entry carries, entry-check.ts) and against its
 * GPKG Manifest (gpkg-check.ts); a binpkg without an entry, an entry whose file was neither
 * uploaded nor already in the partition with the same bytes, or a path the partition already holds
 * with other bytes refuses the whole job. Then the binpkgs are linked into the partition (never
 * over an existing file). Nothing is moved when anything is refused.
 *
 * The job's `Packages` is never copied into the partition: it describes one job's PKGDIR, not the
 * partition (other jobs' and earlier runs' binpkgs are missing from it, and its header carries the
 * job's clock and settings), and two jobs would overwrite each other's. binfarm regenerates the
 * partition's index from the files themselves (`emaint binhost --fix`, as after a local build), so
 * the index can only ever describe bytes that passed these checks.
 */
import { copyFile, link, lstat, mkdir, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { Logger } from '../../types.ts';
import { hashFileMulti } from '../../util/checksums.ts';
import { writeFileAtomic, tempSibling } from '../../util/fs.ts';
import { checkEntryFile } from '../../binhost/entry-check.ts';
import { entryName, parsePackagesIndex, type IndexBlock } from '../../binhost/packages-index.ts';
import { gpkgManifestProblems } from './gpkg-check.ts';
import { checkUploadPath } from './upload-path.ts';

export interface AcceptOptions {
  /** The job's incoming area (job-endpoint.ts `incomingDir`). */
  incomingDir: string;
  /** The partition directory the binpkgs go into (the local binhost partition, PKGDIR of a local build). */
  partitionDir: string;
  logger?: Logger;
}

export interface AcceptResult {
  /** Binpkgs now in the partition (PATHs). */
  moved: string[];
  /** Uploaded binpkgs the partition already had, byte for byte. */
  unchanged: string[];
  /** Index entries the job did not upload because it fetched them from the binhost (same bytes in the partition). */
  fetched: string[];
}

export interface UploadProblem {
  /** The file (path in the incoming area or the index entry's PATH). */
  file: string;
  problem: string;
  /** `conflict`: the partition holds other bytes under that path; everything else is a bad upload. */
  kind: 'bad' | 'conflict';
}

/** Where a refused incoming area is kept for inspection (a job id has no `.`, so it never names another job's area). */
export function rejectedDirOf(incomingDir: string): string {
  return `${incomingDir.replace(/\/+$/, '')}.rejected`;
}

/** Files below `dir` as `/`-separated relative paths; symlinks, devices and the like are reported, never followed. */
async function listFiles(dir: string): Promise<{ files: string[]; odd: string[] }> {
  const files: string[] = [];
  const odd: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const e of await readdir(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(abs, e.name), r);
      else if (e.isFile()) files.push(r);
      else odd.push(r);
    }
  };
  await walk(dir, '');
  return { files: files.sort(), odd };
}

/** True when two files have the same bytes (same size, same SHA512). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([lstat(a), lstat(b)]);
  if (sa.size !== sb.size) return false;
  const [ha, hb] = await Promise.all([hashFileMulti(a, ['SHA512']), hashFileMulti(b, ['SHA512'])]);
  return ha.SHA512 === hb.SHA512;
}

/** Links `src` to `dst` without ever replacing `dst` (EEXIST is the caller's to judge); across filesystems through a copy. */
async function linkNoClobber(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  try {
    await link(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    const tmp = tempSibling(dst);
    await copyFile(src, tmp);
    try {
      await link(tmp, dst);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}

/** Checks everything the job uploaded; returns the plan of moves and the problems. */
async function checkUploads(opts: AcceptOptions): Promise<{ problems: UploadProblem[]; result: AcceptResult }> {
  const { incomingDir, partitionDir } = opts;
  const problems: UploadProblem[] = [];
  const bad = (file: string, problem: string) => problems.push({ file, problem, kind: 'bad' });
  const result: AcceptResult = { moved: [], unchanged: [], fetched: [] };
  const { files, odd } = await listFiles(incomingDir);
  for (const f of odd) bad(f, 'not a regular file');
  const binpkgs = new Set<string>();
  for (const f of files) {
    const verdict = checkUploadPath(f);
    if (f.endsWith('.part')) bad(f, 'an upload still in progress (unregister the job before accepting its uploads)');
    else if (!verdict.ok) bad(f, `unexpected file: ${verdict.reason}`);
    else if (verdict.kind === 'binpkg') binpkgs.add(f);
  }
  const text = await readFile(join(incomingDir, 'Packages'), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) {
    // The script uploads the index last, after every binpkg arrived: without it the job did not finish.
    for (const f of binpkgs) bad(f, 'uploaded without a Packages index (the job did not finish uploading)');
    return { problems, result };
  }
  const entries = new Map<string, IndexBlock>();
  for (const entry of parsePackagesIndex(text).packages) {
    const p = entry.PATH ?? '';
    const verdict = checkUploadPath(p);
    if (!p || !verdict.ok || verdict.kind !== 'binpkg') {
      bad(`Packages: ${entryName(entry)}`, `PATH "${p}" is not a binpkg path${verdict.ok ? '' : `: ${verdict.reason}`}`);
      continue;
    }
    if (entries.has(p)) {
      bad(`Packages: ${entryName(entry)}`, `PATH ${p} is listed twice`);
      continue;
    }
    const named = entryNameMismatch(entry, p);
    if (named) bad(p, named);
    if (!entry.SIZE || !['MD5', 'SHA1', 'BLAKE2B', 'SHA512'].some((k) => entry[k])) {
      bad(p, 'its index entry carries no SIZE or no digest, so the upload cannot be verified');
      continue;
    }
    entries.set(p, entry);
  }
  for (const f of binpkgs) if (!entries.has(f)) bad(f, 'uploaded binpkg has no entry in the uploaded Packages index');
  for (const [p, entry] of entries) {
    if (!binpkgs.has(p)) {
      // Not uploaded: only acceptable when the job fetched it from the binhost (getbinpkg), i.e. the partition has these bytes.
      const there = await checkEntryFile(partitionDir, entry, undefined, 'full');
      if (there.ok) result.fetched.push(p);
      else
        bad(
          p,
          `listed in the job's index but not uploaded, and the partition ${there.kind === 'missing' ? 'does not have it' : `has other bytes (${there.what})`}`,
        );
      continue;
    }
    const verdict = await checkEntryFile(incomingDir, entry, undefined, 'full');
    if (!verdict.ok) {
      bad(p, `does not match its index entry: ${verdict.what}`);
      continue;
    }
    const manifest = await gpkgManifestProblems(join(incomingDir, p));
    if (manifest.length) {
      bad(p, `does not match its GPKG Manifest: ${manifest.join('; ')}`);
      continue;
    }
    const existing = await lstat(join(partitionDir, p)).catch(() => undefined);
    if (!existing) result.moved.push(p);
    else if (existing.isFile() && (await sameBytes(join(incomingDir, p), join(partitionDir, p)))) result.unchanged.push(p);
    else problems.push({ file: p, problem: 'the partition already has a different file at this path (never overwritten)', kind: 'conflict' });
  }
  return { problems, result };
}

/** CPV and BUILD_ID of the entry must name its file: `<cat>/<pn>/<pf>-<id>.gpkg.tar` or `<cat>/<pf>.gpkg.tar`. */
function entryNameMismatch(entry: IndexBlock, path: string): string | undefined {
  const segs = path.split('/');
  const base = segs.at(-1)!.replace(/\.gpkg\.tar$/, '');
  const cpv = `${segs[0]}/${segs.length === 3 ? base.replace(/-[0-9]+$/, '') : base}`;
  if (entry.CPV !== cpv) return `its index entry says CPV ${entry.CPV ?? '(none)'}, the file name says ${cpv}`;
  if (segs.length === 3 && entry.BUILD_ID !== /-([0-9]+)$/.exec(base)?.[1])
    return `its index entry says BUILD_ID ${entry.BUILD_ID || '(none)'}, the file name says ${/-([0-9]+)$/.exec(base)?.[1]}`;
  return undefined;
}

/**
 * Verifies a job's uploads and moves its binpkgs into the partition. On any refusal nothing is
 * moved, the incoming area is renamed to `<incomingDir>.rejected` (an older one of that job is
 * replaced) with `rejected.json` naming every problem, and a BinfarmError is thrown: E_BINHOST when
 * the only problems are paths the partition already holds with other bytes, else E_JOB_UPLOAD.
 * The incoming area itself is left in place after success (logs may still be read from it);
 * discardJobUploads removes it.
 */
export async function acceptJobUploads(opts: AcceptOptions): Promise<AcceptResult> {
  const { incomingDir, partitionDir, logger } = opts;
  const exists = await lstat(incomingDir).catch(() => undefined);
  if (!exists) return { moved: [], unchanged: [], fetched: [] };
  const { problems, result } = await checkUploads(opts);
  if (problems.length) {
    const kept = rejectedDirOf(incomingDir);
    await rm(kept, { recursive: true, force: true });
    await rename(incomingDir, kept);
    await writeFileAtomic(join(kept, 'rejected.json'), `${JSON.stringify({ at: new Date().toISOString(), partitionDir, problems }, null, 2)}\n`);
    const onlyConflicts = problems.every((p) => p.kind === 'conflict');
    const shown = problems.slice(0, 10).map((p) => `  ${p.file}: ${p.problem}`);
    if (problems.length > 10) shown.push(`  … and ${problems.length - 10} more`);
    throw new BinfarmError(
      onlyConflicts ? 'E_BINHOST' : 'E_JOB_UPLOAD',
      `the job's uploads were refused; nothing entered ${partitionDir}:\n${shown.join('\n')}`,
      {
        hint: onlyConflicts
          ? 'Another build wrote the same binpkg path with other bytes (two builds allocated the same BUILD_ID). Run `binfarm run` again: the next build allocates a new BUILD_ID.'
          : `The uploads are kept in ${kept} (rejected.json lists the problems). Run \`binfarm run\` again to rebuild; if it happens again, check the build node's disk and network.`,
        details: { incomingDir: kept, partitionDir, problems },
      },
    );
  }
  for (const p of result.moved) {
    try {
      await linkNoClobber(join(incomingDir, p), join(partitionDir, p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Another writer placed this path since the check (accepts of one partition must be serialised); never overwrite.
      throw new BinfarmError('E_BINHOST', `${p} appeared in ${partitionDir} while the job's uploads were being moved in; it was not overwritten`, {
        hint: "Accept one job's uploads at a time per partition, then run `binfarm run` again.",
        details: { file: p, partitionDir },
      });
    }
    await unlink(join(incomingDir, p));
  }
  logger?.debug(`incoming ${incomingDir}: ${result.moved.length} moved, ${result.unchanged.length} unchanged, ${result.fetched.length} fetched`);
  return result;
}

/** Removes a job's incoming area (and a rejected copy of it is left alone). */
export async function discardJobUploads(incomingDir: string): Promise<void> {
  await rm(incomingDir, { recursive: true, force: true });
}

/**
 * Moves the build logs a job uploaded (`logs/…`) to `logsDir`, keeping their names, so a log path
 * Portage printed inside the job (`${PORTAGE_LOGDIR}/<name>`) maps to `<logsDir>/<name>` as it does
 * for a local build (core/emerge/log-tail.ts hostLogPath). Returns the moved names.
 */
export async function collectJobLogs(incomingDir: string, logsDir: string): Promise<string[]> {
  const from = join(incomingDir, 'logs');
  const { files } = await listFiles(from).catch(() => ({ files: [] as string[] }));
  const out: string[] = [];
  for (const f of files) {
    if (!checkUploadPath(`logs/${f}`).ok) continue;
    const dst = join(logsDir, ...f.split('/'));
    await mkdir(dirname(dst), { recursive: true });
    try {
      await rename(join(from, f), dst);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await copyFile(join(from, f), dst);
      await unlink(join(from, f));
    }
    out.push(f);
  }
  return out;
}
