/**
 * Checks a partition's `Packages` index from outside Portage before anything is committed or
 * published: the header a client needs (VERSION, TIMESTAMP), and for every entry that its file
 * exists inside the partition, and that SIZE, MD5 and SHA1 match when present. A stale
 * `Packages.gz` (clients fetch it first) is an error too.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { isAbsolute, join, relative, sep } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { INDEX_VERSION, entryName, parsePackagesIndex, type PackagesIndex } from './packages-index.ts';

export interface IndexProblem {
  /** The entry (`cat/pf (build N)`), or `header` / a file name. */
  entry: string;
  problem: string;
}

export interface VerifyResult {
  index: PackagesIndex;
  /** Binpkg files in the partition that no entry points at. */
  unindexed: string[];
}

const BINPKG = /\.(gpkg\.tar|tbz2|xpak)$/;

/** Problems of the index in `dir` (empty when it is sound). */
export async function checkIndex(dir: string): Promise<{ problems: IndexProblem[]; result?: VerifyResult }> {
  const path = join(dir, 'Packages');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { problems: [{ entry: 'Packages', problem: `no index at ${path}` }] };
    throw e;
  }
  const index = parsePackagesIndex(text);
  const problems: IndexProblem[] = [];
  const h = index.header;
  if (!h.TIMESTAMP) problems.push({ entry: 'header', problem: 'has no TIMESTAMP (clients ignore such an index)' });
  else if (!/^\d+$/.test(h.TIMESTAMP)) problems.push({ entry: 'header', problem: `TIMESTAMP "${h.TIMESTAMP}" is not a unix time` });
  if (!h.VERSION) problems.push({ entry: 'header', problem: 'has no VERSION (clients treat the index as unsupported)' });
  else if (!/^-?\d+$/.test(h.VERSION) || Number(h.VERSION) > INDEX_VERSION)
    problems.push({ entry: 'header', problem: `VERSION "${h.VERSION}" is not an integer ≤ ${INDEX_VERSION}` });
  if (h.PACKAGES !== undefined && h.PACKAGES !== String(index.packages.length)) {
    problems.push({ entry: 'header', problem: `PACKAGES says ${h.PACKAGES} but the index lists ${index.packages.length} entries` });
  }

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
    if (pkg.MD5 || pkg.SHA1) {
      const sums = await digests(file);
      if (pkg.MD5 && pkg.MD5.toLowerCase() !== sums.md5) problems.push({ entry: name, problem: `MD5 mismatch for ${p}: index ${pkg.MD5}, file ${sums.md5}` });
      if (pkg.SHA1 && pkg.SHA1.toLowerCase() !== sums.sha1)
        problems.push({ entry: name, problem: `SHA1 mismatch for ${p}: index ${pkg.SHA1}, file ${sums.sha1}` });
    }
  }

  const gz = await readFile(join(dir, 'Packages.gz')).catch(() => undefined);
  if (gz) {
    let unpacked: string | undefined;
    try {
      unpacked = gunzipSync(gz).toString('utf8');
    } catch {
      problems.push({ entry: 'Packages.gz', problem: 'is not a valid gzip file' });
    }
    if (unpacked !== undefined && unpacked !== text) problems.push({ entry: 'Packages.gz', problem: 'differs from Packages (stale; clients fetch it first)' });
  }

  const unindexed = (await listBinpkgs(dir)).filter((f) => !indexed.has(f));
  return { problems, result: { index, unindexed } };
}

/** Verifies the index in `dir`; throws E_BINHOST naming every bad entry. */
export async function verifyIndex(dir: string): Promise<VerifyResult> {
  const { problems, result } = await checkIndex(dir);
  if (problems.length || !result) {
    const shown = problems.slice(0, 10).map((p) => `  ${p.entry}: ${p.problem}`);
    if (problems.length > 10) shown.push(`  … and ${problems.length - 10} more`);
    throw new BinfarmError('E_BINHOST', `the binhost index in ${dir} is not sound:\n${shown.join('\n')}`, {
      hint: 'Regenerate it with `emaint binhost --fix` in a build container of this partition (binfarm runs it after every emerge); never edit Packages by hand.',
      details: { dir, problems },
    });
  }
  return result;
}

async function digests(file: string): Promise<{ md5: string; sha1: string }> {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  for await (const chunk of createReadStream(file)) {
    md5.update(chunk as Buffer);
    sha1.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha1: sha1.digest('hex') };
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
