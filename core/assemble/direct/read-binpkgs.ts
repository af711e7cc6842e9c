/**
 * Reads the binpkgs of a direct assembly (gpkg-read.ts), a few at a time, and checks each against
 * its Packages entry on the bytes it reads: SIZE before reading, then every digest the entry
 * carries (binpkg-digests.ts, as Portage's BinpkgVerifier does), so each file is read once instead
 * of once to verify and once to unpack. Decompression runs in zlib's thread pool or in zstd/xz
 * child processes, so a few binpkgs in flight keep the cores busy while the main thread parses.
 * Results keep the order of the input (the merge order).
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import type { IndexBlock } from '../../binhost/packages-index.ts';
import { corruptBinpkgs, digestHasher, sizeProblem, type CorruptBinpkg } from '../binpkg-digests.ts';
import { readGpkg, type Gpkg } from './gpkg-read.ts';

export interface BinpkgToRead {
  /** Absolute path. */
  file: string;
  /** Its Packages entry (PATH relative to partitionDir); the file is checked against it when given. */
  entry?: IndexBlock;
}

export interface ReadBinpkgs {
  /** In input order; a corrupt binpkg's slot is undefined. */
  gpkgs: Array<Gpkg | undefined>;
  corrupt: CorruptBinpkg[];
}

/** At most this many binpkgs are read at once: enough to overlap decompression with parsing, few enough to bound memory. */
export const READ_CONCURRENCY = Math.max(2, Math.min(4, availableParallelism()));

export async function readBinpkgs(list: BinpkgToRead[], partitionDir: string, concurrency = READ_CONCURRENCY): Promise<ReadBinpkgs> {
  const gpkgs: Array<Gpkg | undefined> = new Array(list.length);
  const corrupt: CorruptBinpkg[][] = list.map(() => []);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const r = await readOne(list[i]!, partitionDir);
      if ('gpkg' in r) gpkgs[i] = r.gpkg;
      else corrupt[i] = r.corrupt;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  return { gpkgs, corrupt: corrupt.flat() };
}

async function readOne(p: BinpkgToRead, partitionDir: string): Promise<{ gpkg: Gpkg } | { corrupt: CorruptBinpkg[] }> {
  if (!p.entry) return { gpkg: await readGpkg(p.file) };
  const before = await sizeProblem(partitionDir, p.entry);
  if (before) return { corrupt: [before] };
  const hasher = digestHasher(p.entry);
  let bytes = 0;
  let gpkg: Gpkg;
  try {
    gpkg = await readGpkg(p.file, (chunk) => {
      bytes += chunk.length;
      hasher.update(chunk);
    });
  } catch (e) {
    // a damaged file is reported as not matching its index entry, with the same error as the emerge path
    const bad = await corruptBinpkgs(partitionDir, [p.entry]);
    if (bad.length) return { corrupt: bad };
    throw e;
  }
  // the reader stopped early (nothing after the tar's end): hash the whole file as the check would
  if (bytes !== (await stat(p.file)).size) {
    const bad = await corruptBinpkgs(partitionDir, [p.entry]);
    return bad.length ? { corrupt: bad } : { gpkg };
  }
  const bad = hasher.problems();
  return bad.length ? { corrupt: bad } : { gpkg };
}
