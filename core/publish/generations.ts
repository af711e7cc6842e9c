/**
 * Immutable binhost generations (docs/internals/architecture.md#binpkg-honesty): each publication of a partition goes to
 * `<target>/<partition>/generations/<n>/` — binpkgs first, then Packages.gz, then Packages,
 * then a marker — and only then `<target>/<partition>/current` is switched to it by renaming a
 * new symlink over the old one. A client reading through `current` sees the old index or the
 * new one, never a half-written generation. Rollback switches `current` back. Generations are
 * immutable copies (transfers.ts), and "unchanged" is decided on content: the current
 * generation's index and files are checked against the partition's, not only its marker.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { posix } from 'node:path';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import { parsePackagesIndex } from '../binhost/packages-index.ts';
import { entryDigestId } from '../binhost/entry-check.ts';
import { VerifyCache } from '../binhost/verify-cache.ts';
import { partitionExclusive } from '../binhost/partition-exclusive.ts';
import { verifyIndex } from '../binhost/verify-index.ts';
import { stableHash } from '../util/hash.ts';
import { checkIndexedDir, type BadFile, type DirCheck } from './generation-check.ts';
import { LocalFs, type TargetFs } from './target-fs.ts';
import { generationInterrupted } from './interrupted.ts';

export const MARKER = '.binfarm-generation.json';

export interface TransferOptions {
  /** Files the previous generation holds with verified, identical content: they may be shared with it. */
  reuse?: ReadonlySet<string>;
}

/** How files reach a target (reflink/copy for a directory, rsync for rsync targets). */
export interface Transfer {
  /** Copies `files` (relative paths) from `srcDir` into `destDir`; `prevDir` holds the previous generation, if any. */
  files(srcDir: string, files: string[], destDir: string, prevDir: string | undefined, opts?: TransferOptions): Promise<void>;
}

export interface PublishTarget {
  fs: TargetFs;
  root: string;
  transfer: Transfer;
}

export interface GenerationMarker {
  generation: number;
  fingerprint: string;
  packages: number;
  createdAt: string;
  source: string;
}

export interface PublishResult {
  generation: number;
  /** True when `current` already had this content: nothing was uploaded. */
  unchanged: boolean;
  pruned: number[];
  dir: string;
  /** The current generation was found damaged (files differing from its index): a fresh one was made. */
  damaged?: { generation: number; files: BadFile[] };
}

/** Content of an index without its timestamps: equal for equal binpkg sets. */
export function indexFingerprint(text: string): string {
  const idx = parsePackagesIndex(text);
  const { TIMESTAMP: _t, DOWNLOAD_TIMESTAMP: _d, ...header } = idx.header;
  return stableHash({ header, packages: idx.packages });
}

export function generationNumbers(names: string[]): number[] {
  return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

/** `generations/<n>` → n */
export function generationOfLink(link: string | undefined): number | undefined {
  const m = link ? /(?:^|\/)generations\/(\d+)\/?$/.exec(link) : null;
  return m ? Number(m[1]) : undefined;
}

export async function publishGeneration(
  target: PublishTarget,
  partitionDir: string,
  partitionRel: string,
  opts: { keep: number; log?: (line: string) => void; warn?: (line: string) => void; /** verifyCacheDir(stateDir) */ cacheDir?: string; signal?: AbortSignal },
): Promise<PublishResult> {
  const { fs } = target;
  // The index as checked is the index published: another subject's package phase may rewrite the file meanwhile.
  const { index, text } = await partitionExclusive(partitionDir, () => verifyIndex(partitionDir, { cacheDir: opts.cacheDir }));
  const fingerprint = indexFingerprint(text);
  const base = posix.join(target.root, partitionRel);
  const gens = posix.join(base, 'generations');
  await fs.mkdirp(gens);

  const current = generationOfLink(await fs.readlink(posix.join(base, 'current')));
  let prevCheck: DirCheck | undefined;
  let damaged: PublishResult['damaged'];
  if (current !== undefined) {
    const curDir = posix.join(gens, String(current));
    const marker = await fs.readText(posix.join(curDir, MARKER));
    const curIndex = await fs.readText(posix.join(curDir, 'Packages'));
    const sameIndex = curIndex !== undefined && indexFingerprint(curIndex) === fingerprint;
    const sameMarker = !!marker && parseMarker(marker)?.fingerprint === fingerprint;
    // Local generations are checked file by file (hashing only what changed since last time).
    if (fs instanceof LocalFs) prevCheck = await checkIndexedDir(curDir, { mode: 'cached', cacheDir: opts.cacheDir });
    const bad = prevCheck?.bad ?? [];
    if (sameMarker && sameIndex && !bad.length) {
      opts.log?.(`${fs.display}/${partitionRel}: generation ${current} already has this content`);
      return { generation: current, unchanged: true, pruned: [], dir: curDir };
    }
    if (sameMarker) {
      const warn = opts.warn ?? opts.log;
      for (const b of bad) warn?.(`${fs.display}/${partitionRel}: generation ${current}: ${b.path} (${b.name}) is ${b.kind}: ${b.what}`);
      if (!sameIndex) warn?.(`${fs.display}/${partitionRel}: generation ${current}: its Packages index differs from what was published`);
      warn?.(`${fs.display}/${partitionRel}: generation ${current} is damaged; publishing a fresh generation from ${partitionDir}`);
      damaged = { generation: current, files: bad };
    }
  }
  const existing = generationNumbers(await fs.list(gens));
  const n = (existing.at(-1) ?? 0) + 1;
  const dir = posix.join(gens, String(n));
  // Nothing is shared with a damaged generation (rsync's --link-dest trusts size and mtime only).
  const prev = current !== undefined && !damaged ? posix.join(gens, String(current)) : undefined;
  const files = index.packages.map((p) => p.PATH!).filter(Boolean);
  opts.log?.(`${fs.display}/${partitionRel}: uploading generation ${n} (${files.length} binpkgs)`);
  await fs.mkdirp(dir);
  const stopped = () => opts.signal?.aborted === true;
  try {
    await target.transfer.files(partitionDir, files, dir, prev, { reuse: reusable(index.packages, prevCheck) });
    if (stopped()) throw generationInterrupted(`${fs.display}/${partitionRel}`, n, current);
    if (fs instanceof LocalFs && opts.cacheDir) await rememberVerified(opts.cacheDir, dir, index.packages);
    // The index last: a generation without Packages is incomplete and never made current.
    const indexFiles = existsSync(posix.join(partitionDir, 'Packages.gz')) ? ['Packages.gz', 'Packages'] : ['Packages'];
    for (const f of indexFiles) await target.transfer.files(partitionDir, [f], dir, undefined);
    const marker: GenerationMarker = { generation: n, fingerprint, packages: files.length, createdAt: new Date().toISOString(), source: partitionDir };
    await writeMarker(target, dir, marker);
    // The last moment an interrupt still means "nothing of this partition was published".
    if (stopped()) throw generationInterrupted(`${fs.display}/${partitionRel}`, n, current);
  } catch (e) {
    // Nothing half-made stays behind (an interrupted transfer, e.g. rsync killed by the same Ctrl-C, included).
    await fs.rmrf(dir).catch(() => undefined);
    if (stopped() && !(isBinfarmError(e) && e.code === 'E_INTERRUPTED')) throw generationInterrupted(`${fs.display}/${partitionRel}`, n, current, e);
    throw e;
  }
  await fs.switchLink(posix.join(base, 'current'), `generations/${n}`);
  opts.log?.(`${fs.display}/${partitionRel}: current → generations/${n}`);
  const pruned = await prune(fs, gens, n, opts.keep);
  return { generation: n, unchanged: false, pruned, dir, ...(damaged ? { damaged } : {}) };
}

/**
 * The new generation's files are copies of files verified a moment ago: record them as such,
 * so the next publish hashes only what changed since (not every binpkg of the generation).
 */
async function rememberVerified(cacheDir: string, dir: string, packages: Array<Record<string, string>>): Promise<void> {
  const cache = await VerifyCache.load(cacheDir, dir);
  for (const p of packages) {
    const st = p.PATH ? await stat(posix.join(dir, p.PATH)).catch(() => undefined) : undefined;
    if (st) cache.record(p.PATH!, st, entryDigestId(p));
  }
  await cache.save().catch(() => undefined);
}

function parseMarker(text: string): GenerationMarker | undefined {
  try {
    return JSON.parse(text) as GenerationMarker;
  } catch {
    return undefined;
  }
}

/** Files of the new index that the previous generation holds, verified, with the same size and digests. */
function reusable(packages: Array<Record<string, string>>, prev: DirCheck | undefined): Set<string> {
  const out = new Set<string>();
  if (!prev) return out;
  for (const p of packages) if (p.PATH && prev.good.get(p.PATH) === entryDigestId(p)) out.add(p.PATH);
  return out;
}

async function writeMarker(target: PublishTarget, dir: string, marker: GenerationMarker): Promise<void> {
  const tmp = await mkdtemp(posix.join(tmpdir(), 'binfarm-marker-'));
  try {
    await writeFile(posix.join(tmp, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    await target.transfer.files(tmp, [MARKER], dir, undefined);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Deletes the oldest generations beyond `keep`; never the current one. */
async function prune(fs: TargetFs, gens: string, current: number, keep: number): Promise<number[]> {
  const all = generationNumbers(await fs.list(gens));
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((g) => g !== current);
  for (const g of doomed) await fs.rmrf(posix.join(gens, String(g)));
  return doomed;
}

/** Complete generations (their Packages index was written) of a partition, oldest first. */
export async function completeGenerations(fs: TargetFs, base: string): Promise<number[]> {
  const gens = posix.join(base, 'generations');
  const out: number[] = [];
  for (const g of generationNumbers(await fs.list(gens))) if (await fs.exists(posix.join(gens, String(g), 'Packages'))) out.push(g);
  return out;
}

export interface GenerationInfo {
  partition: string;
  current: number | undefined;
  generations: number[];
}

export async function describePartition(fs: TargetFs, root: string, partitionRel: string): Promise<GenerationInfo> {
  const base = posix.join(root, partitionRel);
  return {
    partition: partitionRel,
    current: generationOfLink(await fs.readlink(posix.join(base, 'current'))),
    generations: await completeGenerations(fs, base),
  };
}

/** Switches `current` back to the newest complete generation older than it. */
export async function rollbackGeneration(fs: TargetFs, root: string, partitionRel: string): Promise<{ from: number; to: number }> {
  const base = posix.join(root, partitionRel);
  const info = await describePartition(fs, root, partitionRel);
  if (info.current === undefined) {
    throw new BinfarmError('E_PUBLISH', `${fs.display}/${partitionRel} has no current generation to roll back from`, {
      hint: 'Publish first (`binfarm run --publish`).',
    });
  }
  const older = info.generations.filter((g) => g < info.current!);
  const to = older.at(-1);
  if (to === undefined) {
    throw new BinfarmError('E_PUBLISH', `${fs.display}/${partitionRel}: generation ${info.current} is the oldest one kept; there is nothing to roll back to`, {
      hint: `Generations kept: ${info.generations.join(', ') || 'none'}. binhost.keep decides how many are kept.`,
    });
  }
  await fs.switchLink(posix.join(base, 'current'), `generations/${to}`);
  return { from: info.current, to };
}
