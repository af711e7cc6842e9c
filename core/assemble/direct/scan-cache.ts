/**
 * The from image's scan (base-scan.ts), kept in the cache directory by image ID. Reading an image's
 * filesystem is an export of every byte of it (~10 s for a 560 MB image on a loaded machine), and
 * assemblies from one subject all start from the same image: an image ID names its content (the
 * config's digest, which lists every layer's digest), so a scan made once holds for every later
 * assembly from that image. The CONFIG_PROTECT settings the scan used are part of the key (they
 * decide which files' md5 it keeps). A cache file that cannot be read is ignored and written again;
 * the newest KEEP files are kept.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, stableStringify } from '../../util/hash.ts';
import { writeFileAtomic } from '../../util/fs.ts';
import type { BaseScan, Node } from './base-scan.ts';
import type { ProtectConfig } from './config-protect.ts';

const FORMAT = 1;
const KEEP = 8;

export async function cachedScan(
  dir: string,
  imageId: string,
  protect: ProtectConfig,
  scan: () => Promise<BaseScan>,
): Promise<{ scan: BaseScan; cached: boolean }> {
  const file = join(dir, `${imageId.replace(/^sha256:/, '').slice(0, 32)}-${sha256(stableStringify({ FORMAT, protect })).slice(0, 16)}.json`);
  const kept = await readFile(file, 'utf8')
    .then((text) => fromJson(JSON.parse(text) as ScanJson, imageId))
    .catch(() => undefined);
  if (kept) return { scan: kept, cached: true };
  const fresh = await scan();
  await writeFileAtomic(file, JSON.stringify(toJson(fresh, imageId)));
  await prune(dir);
  return { scan: fresh, cached: false };
}

interface ScanJson {
  format: number;
  imageId: string;
  nodes: Array<[string, Node]>;
  protectedMd5: Array<[string, string]>;
  owners: Array<[string, string]>;
  installed: BaseScan['installed'];
  vdbFiles: Array<[string, string]>;
  counter: number;
  world: string;
  worldSets: string;
}

function toJson(s: BaseScan, imageId: string): ScanJson {
  return {
    format: FORMAT,
    imageId,
    nodes: [...s.nodes],
    protectedMd5: [...s.protectedMd5],
    owners: [...s.owners],
    installed: s.installed,
    vdbFiles: [...s.vdbFiles].map(([k, v]) => [k, v.toString('base64')]),
    counter: s.counter,
    world: s.world,
    worldSets: s.worldSets,
  };
}

function fromJson(j: ScanJson, imageId: string): BaseScan | undefined {
  if (j.format !== FORMAT || j.imageId !== imageId) return undefined;
  return {
    nodes: new Map(j.nodes),
    protectedMd5: new Map(j.protectedMd5),
    owners: new Map(j.owners),
    installed: j.installed,
    vdbFiles: new Map(j.vdbFiles.map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    counter: j.counter,
    world: j.world,
    worldSets: j.worldSets,
  };
}

async function prune(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  if (files.length <= KEEP) return;
  const dated = await Promise.all(files.map(async (f) => ({ f, t: (await stat(join(dir, f)).catch(() => undefined))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => b.t - a.t);
  for (const { f } of dated.slice(KEEP)) await rm(join(dir, f), { force: true });
}
