/**
 * An assembly only reads the binhost, so a binpkg that no longer matches its `Packages` entry is
 * reported, never repaired. binfarm checks the files it is about to merge the way Portage's
 * BinpkgVerifier does (SIZE first, then every digest the entry carries: MD5, SHA1, BLAKE2B), so the
 * user gets the file and the fix instead of a merge failure; Portage's own message is recognised
 * too, should a file change between the check and the merge.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { IndexBlock } from '../binhost/packages-index.ts';

export interface CorruptBinpkg {
  /** The binpkg, as the index's PATH (or the path Portage printed). */
  path: string;
  cpv?: string;
  problem: string;
}

/** Node's hash names for the digests a Packages entry may carry. */
const HASHES: Record<string, string> = { MD5: 'md5', SHA1: 'sha1', BLAKE2B: 'blake2b512' };

export async function corruptBinpkgs(partitionDir: string, entries: IndexBlock[]): Promise<CorruptBinpkg[]> {
  const out: CorruptBinpkg[] = [];
  for (const e of entries) {
    const before = await sizeProblem(partitionDir, e);
    if (before) {
      out.push(before);
      continue;
    }
    const hasher = digestHasher(e);
    if (!hasher.names.length) continue;
    for await (const chunk of createReadStream(join(partitionDir, e.PATH!))) hasher.update(chunk as Buffer);
    out.push(...hasher.problems());
  }
  return out;
}

/** What BinpkgVerifier checks before hashing: the file is there and has the index's SIZE. */
export async function sizeProblem(partitionDir: string, e: IndexBlock): Promise<CorruptBinpkg | undefined> {
  const path = e.PATH ?? '';
  const st = path ? await stat(join(partitionDir, path)).catch(() => undefined) : undefined;
  if (!st?.isFile()) return { path: path || '(no PATH)', cpv: e.CPV, problem: 'the file is missing' };
  if (e.SIZE && Number(e.SIZE) !== st.size) return { path, cpv: e.CPV, problem: `size ${st.size}, the index says ${e.SIZE}` };
  return undefined;
}

/**
 * The digests an index entry carries, computed over the file's bytes as someone reads them (the
 * direct assembly hashes while it reads each binpkg, direct/read-binpkgs.ts, instead of a pass of its own).
 */
export function digestHasher(e: IndexBlock): { names: string[]; update(chunk: Buffer): void; problems(): CorruptBinpkg[] } {
  const names = Object.keys(HASHES).filter((k) => e[k]);
  const hashes = names.map((k) => createHash(HASHES[k]!));
  return {
    names,
    update: (chunk) => {
      for (const h of hashes) h.update(chunk);
    },
    problems: () =>
      names.flatMap((k, i) => {
        const got = hashes[i]!.digest('hex');
        return got === e[k]!.toLowerCase() ? [] : [{ path: e.PATH ?? '', cpv: e.CPV, problem: `${k} ${got}, the index says ${e[k]}` }];
      }),
  };
}

/**
 * Portage's report of a failed binpkg digest (BinpkgVerifier._digest_exception):
 *   !!! Digest verification failed:
 *   !!! /var/cache/binpkgs/app-misc/jq/jq-1.7.1-1.gpkg.tar
 *   !!! Reason: Failed on size verification
 */
export function digestFailuresInOutput(lines: readonly string[]): CorruptBinpkg[] {
  const out: CorruptBinpkg[] = [];
  lines.forEach((line, i) => {
    if (!line.includes('!!! Digest verification failed')) return;
    const path = /^!!! (\S.*)$/.exec(lines[i + 1] ?? '')?.[1]?.trim();
    const reason = /Reason: (.*)$/.exec(lines[i + 2] ?? '')?.[1]?.trim();
    if (path) out.push({ path, problem: reason ?? 'digest verification failed' });
  });
  return out;
}

export function binpkgCorruptError(assembly: string, partitionDir: string, bad: CorruptBinpkg[]): BinfarmError {
  const list = bad.map((b) => `${b.path}${b.cpv ? ` (${b.cpv})` : ''}: ${b.problem}`).join('\n  ');
  return new BinfarmError('E_BINPKG_CORRUPT', `assembly "${assembly}": ${bad.length} binpkg${bad.length === 1 ? '' : 's'} in ${partitionDir} do not match the Packages index:\n  ${list}`, {
    hint:
      'The binhost was not changed (assemble binds it read-only). Run `binfarm binhost verify` to check the whole partition, ' +
      'then rebuild the damaged binpkgs (or restore them from a published generation) before assembling again.',
    details: { partition: partitionDir, binpkgs: bad },
  });
}
