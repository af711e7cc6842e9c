/**
 * Checks a partition's `Packages` index from outside Portage before anything is committed or
 * published: the header a client needs (VERSION, TIMESTAMP), and for every entry that its file
 * exists inside the partition, and that SIZE and the digests (MD5, SHA1, BLAKE2B, SHA512) match
 * when present. A stale `Packages.gz` (clients fetch it first) is an error too. With a verify
 * cache (verify-cache.ts), files unchanged since they last verified good are not hashed again.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { isAbsolute, join, relative, sep } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { hashFileMulti, type DigestAlgo } from '../util/checksums.ts';
import { entryDigestId } from './entry-check.ts';
import { INDEX_VERSION, entryName, parsePackagesIndex, type PackagesIndex } from './packages-index.ts';
import { VerifyCache } from './verify-cache.ts';

export interface IndexProblem {
  /** The entry (`cat/pf (build N)`), or `header` / a file name. */
  entry: string;
  problem: string;
}

export interface VerifyResult {
  index: PackagesIndex;
  /** The `Packages` text that was checked (read it from here, not again from the file). */
  text: string;
  /** Binpkg files in the partition that no entry points at. */
  unindexed: string[];
}

const BINPKG = /\.(gpkg\.tar|tbz2|xpak)$/;

export interface CheckIndexOptions {
  /** Directory of verify caches (verifyCacheDir(stateDir)); without it every file is hashed. */
  cacheDir?: string;
}

const DIGESTS: DigestAlgo[] = ['MD5', 'SHA1', 'BLAKE2B', 'SHA512'];

/** Problems of the index in `dir` (empty when it is sound). */
export async function checkIndex(dir: string, opts: CheckIndexOptions = {}): Promise<{ problems: IndexProblem[]; result?: VerifyResult }> {
  const path = join(dir, 'Packages');
  let pair: IndexFiles;
  try {
    pair = await readIndexFiles(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { problems: [{ entry: 'Packages', problem: `no index at ${path}` }] };
    throw e;
  }
  const { text } = pair;
  const index = parsePackagesIndex(text);
  const problems: IndexProblem[] = [];
  const h = index.header;
  if (!h.TIMESTAMP) problems.push({ entry: 'header', problem: 'has no TIMESTAMP (clients ignore such an index)' });
  else if (!/^\d+$/.test(h.TIMESTAMP)) problems.push({ entry: 'header', problem: `TIMESTAMP "${h.TIMESTAMP}" is not a unix time` });
  if (!h.VERSION) problems.push({ entry: 'header', problem: 'has no VERSION (clients treat the index as unsupported)' });
  else if (!/^-?\d+$/.test(h.VERSION) || Number(h.VERSION) > INDEX_VERSION) problems.push({ entry: 'header', problem: `VERSION "${h.VERSION}" is not an integer ≤ ${INDEX_VERSION}` });
  if (h.PACKAGES !== undefined && h.PACKAGES !== String(index.packages.length)) {
    problems.push({ entry: 'header', problem: `PACKAGES says ${h.PACKAGES} but the index lists ${index.packages.length} entries` });
  }

  const cache = opts.cacheDir ? await VerifyCache.load(opts.cacheDir, dir) : undefined;
  const indexed = new Set<string>();
  for (const pkg of index.packages) {
    const name = entryName(pkg);
    const p = pkg.PATH;
    if (!p) {
      problems.push({ entry: name, problem: 'has no PATH' });
      continue;
    }
    if (isAbsolute(p) || p.split('/').includes('..')) {
      problems.push({ entry: name, problem: `PATH "${p}" leaves the partition` });
      continue;
    }
    indexed.add(p);
    const file = join(dir, p);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) {
      problems.push({ entry: name, problem: `PATH ${p} does not exist` });
      continue;
    }
    if (pkg.SIZE !== undefined && pkg.SIZE !== '' && Number(pkg.SIZE) !== st.size) {
      problems.push({ entry: name, problem: `SIZE is ${pkg.SIZE} but ${p} has ${st.size} bytes` });
      continue;
    }
    const id = entryDigestId(pkg);
    if (cache?.hit(p, st, id)) continue;
    const algos = DIGESTS.filter((a) => pkg[a]);
    const sums = algos.length ? await hashFileMulti(file, algos) : undefined;
    const bad = algos.filter((a) => pkg[a]!.toLowerCase() !== sums![a]);
    for (const a of bad) problems.push({ entry: name, problem: `${a} mismatch for ${p}: index ${pkg[a]}, file ${sums![a]}` });
    if (bad.length) cache?.forget(p);
    else cache?.record(p, st, id);
  }
  await cache?.save().catch(() => undefined);

  if (pair.gz === 'invalid') problems.push({ entry: 'Packages.gz', problem: 'is not a valid gzip file' });
  else if (pair.gz !== undefined && pair.gz !== text) problems.push({ entry: 'Packages.gz', problem: 'differs from Packages (stale; clients fetch it first)' });

  const unindexed = (await listBinpkgs(dir)).filter((f) => !indexed.has(f));
  return { problems, result: { index, text, unindexed } };
}

interface IndexFiles {
  text: string;
  /** Packages.gz unpacked; undefined when there is none. */
  gz: string | undefined | 'invalid';
}

/**
 * `Packages` and `Packages.gz` as one consistent pair. Portage writes them one after the other
 * (under its own lock, which binfarm does not take): a check that reads between the two writes
 * of an emerge in a build container sees them differ. Read again a few times before calling the
 * pair what it then is; a stale `Packages.gz` stays stale.
 */
async function readIndexFiles(dir: string): Promise<IndexFiles> {
  let files: IndexFiles | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 150 * attempt));
    const text = await readFile(join(dir, 'Packages'), 'utf8');
    const raw = await readFile(join(dir, 'Packages.gz')).catch(() => undefined);
    let gz: IndexFiles['gz'];
    try {
      gz = raw && gunzipSync(raw).toString('utf8');
    } catch {
      gz = 'invalid';
    }
    files = { text, gz };
    if (gz === undefined || gz === text) break;
  }
  return files!;
}

/** Verifies the index in `dir`; throws E_BINHOST naming every bad entry. */
export async function verifyIndex(dir: string, opts: CheckIndexOptions = {}): Promise<VerifyResult> {
  const { problems, result } = await checkIndex(dir, opts);
  if (problems.length || !result) {
    const shown = problems.slice(0, 10).map((p) => `  ${p.entry}: ${p.problem}`);
    if (problems.length > 10) shown.push(`  … and ${problems.length - 10} more`);
    throw new BinfarmError('E_BINHOST', `the binhost index in ${dir} is not sound:\n${shown.join('\n')}`, {
      hint:
        'Bad or missing binpkgs: `binfarm binhost verify --fix` quarantines them and rewrites the index, then `binfarm run` rebuilds what used them. ' +
        'A bad header or Packages.gz: regenerate it with `emaint binhost --fix` in a build container of this partition. Never edit Packages by hand.',
      details: { dir, problems },
    });
  }
  return result;
}

/** Binpkg files below `dir`, as `/`-separated paths relative to it. */
export async function listBinpkgs(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && BINPKG.test(e.name)) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}
