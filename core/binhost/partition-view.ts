/**
 * What a binhost partition holds, for people (the served pages, `binfarm binhost ls`): its
 * packages from the Packages index a client would read (through `current` when it is published
 * in generations) and its complete generations with the current one marked.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parsePackagesIndex, type IndexBlock } from './packages-index.ts';
import { describePartition, MARKER, type GenerationMarker } from '../publish/generations.ts';
import { LocalFs, type TargetFs } from '../publish/target-fs.ts';

export interface PackageRow {
  /** `category/name` */
  name: string;
  version: string;
  cpv: string;
  buildId: string;
  use: string;
  /** Bytes, or undefined when the index has no SIZE. */
  size: number | undefined;
  /** Unix seconds, or undefined. */
  buildTime: number | undefined;
  /** Relative to the partition (Packages PATH). */
  path: string;
}

export interface GenerationRow {
  generation: number;
  current: boolean;
  /** From the generation's marker (never its `source`, a local path). */
  createdAt?: string;
  packages?: number;
}

export interface PartitionView {
  rel: string;
  packages: PackageRow[];
  /** Empty for a partition that is not published in generations. */
  generations: GenerationRow[];
  /** The index header's TIMESTAMP (unix seconds), when there is one. */
  indexTime: number | undefined;
}

const int = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);

/** `cat/pn-ver` → [`cat/pn`, `ver`] (a version starts at the last `-<digit>` that PMS allows). */
export function splitCpv(cpv: string): [string, string] {
  const m = /^(.+?)-(\d[^-]*(?:-r\d+)?)$/.exec(cpv);
  return m ? [m[1]!, m[2]!] : [cpv, ''];
}

export function packageRow(block: IndexBlock): PackageRow {
  const cpv = block.CPV ?? '';
  const [name, version] = splitCpv(cpv);
  return {
    name,
    version,
    cpv,
    buildId: block.BUILD_ID ?? '',
    use: block.USE ?? '',
    size: int(block.SIZE),
    buildTime: int(block.BUILD_TIME),
    path: block.PATH ?? '',
  };
}

/** Rows of a Packages text, sorted by name, version order as in the index, then build id. */
export function packageRows(text: string): { rows: PackageRow[]; indexTime: number | undefined } {
  const index = parsePackagesIndex(text);
  const rows = index.packages.map(packageRow);
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (int(a.buildId) ?? 0) - (int(b.buildId) ?? 0)));
  return { rows, indexTime: int(index.header.TIMESTAMP) };
}

/** Generations of a partition on a target, current marked, with their marker's date and size. */
export async function generationRows(fs: TargetFs, root: string, rel: string): Promise<GenerationRow[]> {
  const info = await describePartition(fs, root, rel);
  const out: GenerationRow[] = [];
  for (const g of info.generations) {
    const row: GenerationRow = { generation: g, current: g === info.current };
    const text = await fs.readText(posix.join(root, rel, 'generations', String(g), MARKER));
    try {
      const m = text ? (JSON.parse(text) as Partial<GenerationMarker>) : {};
      if (typeof m.createdAt === 'string') row.createdAt = m.createdAt;
      if (typeof m.packages === 'number') row.packages = m.packages;
    } catch {
      // A damaged marker only costs the date column; the generation itself is complete.
    }
    out.push(row);
  }
  return out;
}

/** The view of a partition below a local root; undefined when it has no readable index. */
export async function readPartitionView(root: string, rel: string): Promise<PartitionView | undefined> {
  const fs = new LocalFs(root);
  const base = join(root, ...rel.split('/'));
  const published = (await fs.readlink(join(base, 'current'))) !== undefined;
  const text = await readFile(join(base, ...(published ? ['current'] : []), 'Packages'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const { rows, indexTime } = packageRows(text);
  return { rel, packages: rows, generations: published ? await generationRows(fs, root, rel) : [], indexTime };
}
