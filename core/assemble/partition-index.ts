/**
 * The `from` subject's binhost partition as an assembly reads it: its Packages index, and the
 * binpkgs to merge checked against it (binpkg-digests.ts) before anything is merged or written.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SubjectBuild } from '../run/context.ts';
import { parsePackagesIndex, type IndexBlock } from '../binhost/packages-index.ts';
import { binpkgCorruptError, corruptBinpkgs } from './binpkg-digests.ts';
import type { CheckResult } from './check-binpkgs.ts';
import { mergedEntries } from './linkage.ts';
import type { AssemblySpec } from './spec.ts';

/** The partition's Packages entries (none when it has no index). */
export async function readIndex(partition: string): Promise<IndexBlock[]> {
  return parsePackagesIndex(await readFile(join(partition, 'Packages'), 'utf8').catch(() => '')).packages;
}

/** Checks the binpkgs to merge against the index (binpkg-digests.ts); returns the index. */
export async function verifiedIndex(build: SubjectBuild, spec: AssemblySpec, check: CheckResult, partitionDir: string): Promise<IndexBlock[]> {
  build.progress.title('verify the binpkgs against the Packages index');
  const index = await readIndex(partitionDir);
  const bad = await corruptBinpkgs(partitionDir, mergedEntries(index, check.merges));
  if (bad.length) throw binpkgCorruptError(spec.name, partitionDir, bad);
  return index;
}
