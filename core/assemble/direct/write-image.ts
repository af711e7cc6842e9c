/**
 * The direct assembly (docs/assemble.md#direct): the binpkgs `emerge --pretend --usepkgonly`
 * chose are read on the host and written as an image, no emerge run. Packages are placed in merge
 * order on a view of the `from` image (place-package.ts) with their /var/db/pkg entries and
 * grouped into a few layers (layer-groups.ts); the last layer holds what differs per image (COUNTERs, the global counter,
 * the world files, the SBOM, direct-sbom.ts). The image archive is loaded into the engine, never committed from a container;
 * when the packages installed libraries, ldconfig's cache is added as one more layer (ld-cache.ts).
 * Returns the fallbacks instead when any package needs emerge (fallback.ts); nothing is loaded then.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { Engine } from '../../engine/types.ts';
import { sbomLabels, type MadeSbom } from '../../sbom/image-sbom.ts';
import type { IndexBlock } from '../../binhost/packages-index.ts';
import { cpnOf } from '../../plan/tree-slice.ts';
import { binpkgCorruptError } from '../binpkg-digests.ts';
import type { MergeEntry } from '../pretend-output.ts';
import { emptyScan, type BaseScan } from './base-scan.ts';
import type { ProtectConfig } from './config-protect.ts';
import { formatContents } from './contents.ts';
import { directSbom, sbomEntry, type DirectSbomSpec } from './direct-sbom.ts';
import { packageFallbacks, type Fallback } from './fallback.ts';
import { metaText, type Gpkg } from './gpkg-read.ts';
import { imageArchive } from './image-archive.ts';
import { layerGroups, type GroupedPackage } from './layer-groups.ts';
import { buildLdCache, LD_CACHE, ldconfigToRun } from './ld-cache.ts';
import { writeLayer, type LayerEntry, type WrittenLayer } from './layer-tar.ts';
import { PathView } from './path-view.ts';
import { readBinpkgs } from './read-binpkgs.ts';
import { addParentDirs, placePackage } from './place-package.ts';
import { counterEntries, rootFile, vdbEntries, worldText } from './vdb-entry.ts';

export interface DirectInput {
  engine: Engine;
  /** What to merge, in order, with each binpkg's file, its MD5 and its Packages entry (checked while the file is read, when given). */
  packages: Array<{ merge: MergeEntry; file: string; md5?: string; entry?: IndexBlock }>;
  /** For the error when a binpkg does not match its Packages entry. */
  verify?: { assembly: string; partitionDir: string };
  /** The emerge arguments: atoms go to the world file by cat/pn, `@set`s to world_sets. */
  worldAtoms: string[];
  worldSets: string[];
  /** The from image (omitted for a slim image: an empty root). */
  from?: { ref: string; scan: BaseScan };
  protect: ProtectConfig;
  repo: string;
  tag: string;
  labels: Record<string, string>;
  /** Scratch space for the layer files (removed afterwards). */
  workDir: string;
  /** Makes the image's SBOM (written into the last layer, named by its labels); none when omitted. */
  sbom?: DirectSbomSpec;
  /** SOURCE_DATE_EPOCH, when set: every mtime and `created`. */
  sourceDateEpoch?: number;
  progress?: (line: string) => void;
}

/** A fallback's `verified`: every binpkg was checked against its Packages entry already (the emerge step need not do it again). */
export type DirectResult = { kind: 'image'; id: string; layers: number; sbom?: MadeSbom } | { kind: 'fallback'; fallbacks: Fallback[]; verified: boolean };

export async function writeDirectImage(input: DirectInput): Promise<DirectResult> {
  const log = input.progress ?? (() => undefined);
  const scan = input.from?.scan ?? emptyScan();
  const read = await readBinpkgs(input.packages, input.verify?.partitionDir ?? '');
  if (read.corrupt.length) throw binpkgCorruptError(input.verify?.assembly ?? input.repo, input.verify?.partitionDir ?? '', read.corrupt);
  const gpkgs = read.gpkgs as Gpkg[];
  const verified = input.packages.every((p) => p.entry);
  log(`read ${gpkgs.length} binpkg${gpkgs.length === 1 ? '' : 's'}${verified ? ', each matching its Packages entry' : ''}`);

  const fallbacks = input.packages.flatMap((p, i) => packageFallbacks(p.merge, gpkgs[i]!, scan.installed));
  if (fallbacks.length) return { kind: 'fallback', fallbacks, verified };

  const view = new PathView(new Map(scan.nodes));
  const placedOwners = new Map<string, string>();
  const mtimeOf = (g: Gpkg) => input.sourceDateEpoch ?? (Number.parseInt(metaText(g, 'BUILD_TIME'), 10) || 0);
  const perPackage: Array<Map<string, LayerEntry>> = [];
  const grouping: GroupedPackage[] = [];
  for (const [i, p] of input.packages.entries()) {
    const g = gpkgs[i]!;
    const cpv = `${metaText(g, 'CATEGORY')}/${metaText(g, 'PF')}`;
    if (cpv !== p.merge.cpv) {
      throw new BinfarmError('E_ASSEMBLE', `the binpkg ${p.file} holds ${cpv}, but emerge chose ${p.merge.cpv} from it`, {
        hint: 'The Packages index is out of date: `emaint binhost --fix` in the subject image rewrites it.',
      });
    }
    const placed = placePackage(cpv, g, mtimeOf(g), { view, base: scan, protect: input.protect, placedOwners });
    if ('collision' in placed) return { kind: 'fallback', fallbacks: [{ cpv, reason: placed.collision }], verified };
    for (const e of vdbEntries(cpv, g.metadata, formatContents(placed.contents), p.md5, mtimeOf(g))) placed.entries.set(e.path, e);
    withParents(placed.entries, view, mtimeOf(g));
    perPackage.push(placed.entries);
    grouping.push({ name: cpnOf(cpv), bytes: g.entries.reduce((n, e) => n + (e.data?.length ?? 0), 0) });
  }
  const sbom = input.sbom
    ? await directSbom(
        input.sbom,
        scan.nodes,
        scan.vdbFiles,
        perPackage.flatMap((m) => [...m.values()]),
      )
    : undefined;

  await mkdir(input.workDir, { recursive: true });
  try {
    const fromConfig = input.from ? await input.engine.imageConfig(input.from.ref) : undefined;
    if (input.from && !fromConfig)
      throw new BinfarmError('E_ASSEMBLE', `the from image ${input.from.ref} is gone from the engine`, {
        hint: 'Run the assembly again; `binfarm run <subject>` rebuilds a removed subject image.',
      });
    const layers: WrittenLayer[] = [];
    const indices = perPackage.map((_, i) => i);
    for (const [n, group] of layerGroups(indices, fromConfig?.diffIds.length ?? 0, (i) => grouping[i]!).entries()) {
      const merged = new Map<string, LayerEntry>();
      for (const i of group) for (const [k, v] of perPackage[i]!) if (!merged.has(k) || v.type !== 'directory') merged.set(k, v);
      layers.push(await writeLayer(merged.values(), join(input.workDir, `layer-${n}.tar`)));
    }
    const created = input.sourceDateEpoch ?? Math.max(0, ...gpkgs.map((g) => Number.parseInt(metaText(g, 'BUILD_TIME'), 10) || 0));
    layers.push(await writeLayer(lastLayer(input, scan, view, gpkgs, created, sbom).values(), join(input.workDir, 'layer-last.tar')));
    log(`wrote ${layers.length} layers (${(layers.reduce((s, l) => s + l.size, 0) / 1048576).toFixed(1)} MiB)`);

    const config = imageConfig(fromConfig?.config, { ...input.labels, ...(sbom ? sbomLabels(sbom) : {}) }, view);
    const archive = imageArchive({
      config,
      os: fromConfig?.os ?? 'linux',
      architecture: fromConfig?.architecture ?? 'amd64',
      baseDiffIds: fromConfig?.diffIds ?? [],
      layers,
      created,
    });
    await loadArchive(input, archive);
    const ldconfig = ldconfigToRun(view, perPackage.flatMap((m) => [...m.values()]));
    if (!ldconfig) return { kind: 'image', id: archive.id, layers: layers.length, ...(sbom ? { sbom } : {}) };

    // emerge's env-update step: the loader cache of the image as assembled, as one more layer on top
    const ldDir = join(input.workDir, 'ld');
    await mkdir(ldDir);
    const cache = await buildLdCache(input.engine, archive.id, ldconfig, ldDir);
    const cacheEntries = new Map([[LD_CACHE, rootFile(LD_CACHE, cache, created)]]);
    withParents(cacheEntries, view, created);
    const cacheLayer = await writeLayer(cacheEntries.values(), join(input.workDir, 'layer-ld-cache.tar'));
    const withCache = imageArchive({
      config,
      os: fromConfig?.os ?? 'linux',
      architecture: fromConfig?.architecture ?? 'amd64',
      baseDiffIds: [...(fromConfig?.diffIds ?? []), ...layers.map((l) => l.diffId)],
      layers: [cacheLayer],
      created,
    });
    await loadArchive(input, withCache);
    await input.engine.removeImage(archive.id).catch(() => undefined); // untagged now: the same layers without the cache
    log(`ran ${ldconfig} -X: /${LD_CACHE} is its own layer`);
    return { kind: 'image', id: withCache.id, layers: layers.length + 1, ...(sbom ? { sbom } : {}) };
  } finally {
    await rm(input.workDir, { recursive: true, force: true });
  }
}

/** Loads the archive as repo:tag and checks the engine kept its image ID. */
async function loadArchive(input: DirectInput, archive: ReturnType<typeof imageArchive>): Promise<void> {
  await input.engine.loadImage(archive.stream(`${input.repo}:${input.tag}`));
  const loaded = await input.engine.inspectImage(`${input.repo}:${input.tag}`);
  if (loaded?.id !== archive.id) {
    throw new BinfarmError('E_ASSEMBLE', `loading the image archive gave ${loaded?.id ?? 'no image'}, not ${archive.id}`, {
      hint: 'The engine rewrote the image config; report this with `docker version`.',
    });
  }
}

/** COUNTERs, the global counter, the world files and the SBOM: what depends on the whole assembly. */
function lastLayer(input: DirectInput, scan: BaseScan, view: PathView, gpkgs: Gpkg[], mtime: number, sbom: MadeSbom | undefined): Map<string, LayerEntry> {
  const start = Math.max(scan.counter, ...scan.installed.map((i) => i.counter));
  const cpvs = gpkgs.map((g) => `${metaText(g, 'CATEGORY')}/${metaText(g, 'PF')}`);
  const entries = new Map<string, LayerEntry>();
  for (const e of counterEntries(cpvs, start, mtime)) entries.set(e.path, e);
  const file = (path: string, text: string): LayerEntry => rootFile(path, Buffer.from(text), mtime);
  entries.set('var/lib/portage/world', file('var/lib/portage/world', worldText(scan.world, input.worldAtoms)));
  if (input.worldSets.length || scan.worldSets)
    entries.set('var/lib/portage/world_sets', file('var/lib/portage/world_sets', worldText(scan.worldSets, input.worldSets)));
  if (sbom) {
    const e = sbomEntry(sbom, input.sourceDateEpoch);
    entries.set(e.path, e);
  }
  withParents(entries, view, mtime);
  return entries;
}

/** Adds every missing parent directory of the entries (place-package.ts addParentDirs). */
function withParents(entries: Map<string, LayerEntry>, view: PathView, mtime: number): void {
  for (const path of [...entries.keys()]) addParentDirs(entries, view, path, mtime);
}

/** The from image's config with the assembly's labels (binfarm's own labels of the from image dropped). */
function imageConfig(from: Record<string, unknown> | undefined, labels: Record<string, string>, view: PathView): Record<string, unknown> {
  if (!from) return { Labels: labels, ...(view.get(view.resolveAll('bin/sh'))?.type === 'file' ? { Cmd: ['/bin/sh'] } : {}) };
  const inherited = Object.entries((from.Labels ?? {}) as Record<string, string>).filter(([k]) => !k.startsWith('binfarm.'));
  return { ...from, Labels: { ...Object.fromEntries(inherited), ...labels } };
}
