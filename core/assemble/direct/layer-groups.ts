/**
 * Which packages of a direct assembly share a layer (docs/assemble.md#direct, "Layers").
 *
 * The engine applies every layer it does not have in its own step (dockerd re-executes itself
 * once per layer to unpack it in a chroot, ~0.1–0.15 s each on overlay2, whatever the size), so
 * one layer per package made that cost most of a cold assembly (81 layers ≈ 12–18 s for 80 small
 * packages, bench/RESULTS.md). Sharing pays by bytes, the per-layer cost by count, so:
 *   - a package with at least OWN_LAYER_BYTES of files gets a layer of its own (at most
 *     OWN_LAYERS of them, the largest; ties by name): the big ones are stored once wherever they occur;
 *   - every other package goes to one of SMALL_BUCKETS layers by a stable hash of its cat/pn, so
 *     the same package set gives the same groups, and adding, removing or updating a package
 *     changes only its own group (a version bump keeps cat/pn, so its bucket);
 *   - layer order: the own layers by name, then the buckets by number, each package's entries in
 *     merge order within its layer.
 * The grouping depends only on the packages (name, size), never on timing or order of reading,
 * so the same inputs give the same layers. overlay2 refuses images deeper than 128 layers and an
 * image built FROM an assembly adds its own: a from image that leaves less room than the rule
 * needs (MAX_LAYERS in all) gets fewer buckets and own layers.
 */
import { createHash } from 'node:crypto';

export const MAX_LAYERS = 100;
export const SMALL_BUCKETS = 8;
export const OWN_LAYERS = 7;
export const OWN_LAYER_BYTES = 4 * 1048576;
/** Layers an assembly adds besides the package groups: the last layer (COUNTERs, world, SBOM) and the loader cache. */
const OWN_EXTRA = 2;

export interface GroupedPackage {
  /** cat/pn: what keeps a package in its bucket across versions. */
  name: string;
  /** Bytes of its files. */
  bytes: number;
}

/** Groups the packages (given in merge order) into layers; every package is in exactly one group. */
export function layerGroups<T>(packages: T[], baseLayers: number, describe: (p: T) => GroupedPackage): T[][] {
  const room = Math.max(1, MAX_LAYERS - baseLayers - OWN_EXTRA);
  const buckets = Math.min(SMALL_BUCKETS, room);
  const ownRoom = Math.min(OWN_LAYERS, room - buckets);
  const described = packages.map((p, i) => ({ p, i, ...describe(p) }));
  const own = described
    .filter((d) => d.bytes >= OWN_LAYER_BYTES)
    .sort((a, b) => b.bytes - a.bytes || compare(a.name, b.name) || a.i - b.i)
    .slice(0, ownRoom)
    .sort((a, b) => compare(a.name, b.name) || a.i - b.i);
  const alone = new Set(own.map((d) => d.i));
  const grouped: T[][] = Array.from({ length: buckets }, () => []);
  for (const d of described) if (!alone.has(d.i)) grouped[bucketOf(d.name, buckets)]!.push(d.p);
  return [...own.map((d) => [d.p]), ...grouped.filter((g) => g.length)];
}

/** A stable bucket number for cat/pn: the first 32 bits of its sha256, modulo the bucket count. */
export function bucketOf(name: string, buckets: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % buckets;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
