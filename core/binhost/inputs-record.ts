/**
 * The record of which per-package inputs each binpkg of a partition was built with:
 * `<partition>/.binfarm/inputs.json`, keyed by the binpkg's PATH in the Packages index.
 * Portage's index cannot carry it (its keys are a fixed list, dbapi/bintree.py
 * `_pkgindex_keys`), and Portage ignores files that are not binpkgs in PKGDIR, so the record
 * lives beside them. Written right after each emerge (also a failed one: the binpkgs that did
 * build stay for the next run and must be recorded), atomically (temp + rename).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';
import { PN_VERSION_RE } from '../portage/grammar/version.ts';
import { writeFileAtomic } from '../util/fs.ts';
import type { IndexBlock, PackagesIndex } from './packages-index.ts';
import type { InputKind, InputsDigest } from './binpkg-inputs.ts';
import { createKeyedQueue } from '../util/keyed-queue.ts';

export const INPUTS_RECORD = '.binfarm/inputs.json';
const RECORD_VERSION = 1;

export interface BinpkgInputsEntry {
  cpv: string;
  buildId?: string;
  /** BUILD_TIME of the binpkg when recorded: a file replaced since then (same PATH) has no record. */
  buildTime?: string;
  digest: string;
  parts: Partial<Record<InputKind, string>>;
  subject: string;
  runId: string;
  at: string;
}

export interface InputsRecord {
  version: number;
  binpkgs: Record<string, BinpkgInputsEntry>;
}

export function recordPath(partition: string): string {
  return join(partition, INPUTS_RECORD);
}

export async function readInputsRecord(partition: string): Promise<InputsRecord> {
  const file = recordPath(partition);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: RECORD_VERSION, binpkgs: {} };
    throw e;
  }
  let data: InputsRecord;
  try {
    data = JSON.parse(text) as InputsRecord;
  } catch (e) {
    throw badRecord(file, `is not JSON (${(e as Error).message})`);
  }
  if (data?.version !== RECORD_VERSION || typeof data.binpkgs !== 'object' || data.binpkgs === null) {
    throw badRecord(file, `is not a version ${RECORD_VERSION} record of binpkg inputs`);
  }
  return data;
}

function badRecord(file: string, what: string): BinfarmError {
  return new BinfarmError('E_BINHOST', `${file} ${what}`, {
    hint: 'binfarm writes this file; delete it and run again: binpkgs with per-package inputs (patches, package.env) are then rebuilt once.',
  });
}

/** The recorded entry of an index block, when it is for this very file (same BUILD_TIME). */
export function entryFor(record: InputsRecord, block: IndexBlock): BinpkgInputsEntry | undefined {
  const e = record.binpkgs[recordKey(block)];
  if (!e || e.cpv !== block.CPV || (e.buildTime ?? '') !== (block.BUILD_TIME ?? '')) return undefined;
  return e;
}

/** PATH in the index (Portage writes it for every package); the CPV if it is missing. */
export function recordKey(block: IndexBlock): string {
  return block.PATH || block.CPV!;
}

/** The newest instance of `cpv` in the index (what an emerge that just built it wrote last). */
export function newestInstance(index: PackagesIndex, cpv: string): IndexBlock | undefined {
  let best: IndexBlock | undefined;
  for (const b of index.packages) {
    if (b.CPV !== cpv) continue;
    if (!best || compareInstances(b, best) > 0) best = b;
  }
  return best;
}

function compareInstances(a: IndexBlock, b: IndexBlock): number {
  return Number(a.BUILD_TIME ?? 0) - Number(b.BUILD_TIME ?? 0) || Number(a.BUILD_ID ?? 0) - Number(b.BUILD_ID ?? 0);
}

/** One writer at a time per record file in this process (parallel subjects share a partition; the run lock excludes other processes). */
const queue = createKeyedQueue();

/**
 * Records the digest each of `cpvs` (built from source in this emerge) was built with. Returns
 * the cpvs that have no binpkg in the index (nothing to record; the package phase warns).
 */
export function recordBuiltInputs(
  partition: string,
  index: PackagesIndex,
  cpvs: readonly string[],
  digestFor: (cpn: string) => InputsDigest,
  by: { subject: string; runId: string },
): Promise<string[]> {
  const file = recordPath(partition);
  return queue(file, async () => {
    const record = await readInputsRecord(partition);
    const missing: string[] = [];
    const at = new Date().toISOString();
    for (const cpv of cpvs) {
      const block = newestInstance(index, cpv);
      if (!block) {
        missing.push(cpv);
        continue;
      }
      const d = digestFor(cpnOf(cpv));
      record.binpkgs[recordKey(block)] = {
        cpv,
        ...(block.BUILD_ID ? { buildId: block.BUILD_ID } : {}),
        ...(block.BUILD_TIME ? { buildTime: block.BUILD_TIME } : {}),
        digest: d.digest,
        parts: d.parts,
        subject: by.subject,
        runId: by.runId,
        at,
      };
    }
    if (missing.length < cpvs.length) await writeFileAtomic(file, `${JSON.stringify(record, null, 1)}\n`);
    return missing;
  });
}

/** `cat/pf` → `cat/pn` (the shortest name followed by a complete version: `foo-bar-1.0-r1` → `foo-bar`). */
export function cpnOf(cpv: string): string {
  const slash = cpv.indexOf('/');
  const m = PN_VERSION_RE.exec(cpv.slice(slash + 1));
  return m && !m[3] ? `${cpv.slice(0, slash)}/${m[1]}` : cpv;
}
