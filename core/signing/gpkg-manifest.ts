/**
 * A GPKG's `Manifest` (Portage's gpkg.py `_record_checksum`/`_load_manifest`): one line per member,
 * `DATA <member basename> <size> BLAKE2B <hex> SHA512 <hex>` (MANIFEST2_HASH_DEFAULTS), the version
 * file `gpkg-1` included, the Manifest itself not. Signed, the whole text is a PGP cleartext message.
 */
import { createHash } from 'node:crypto';

export interface ManifestEntry {
  name: string;
  size: number;
  /** Hash name → lower-case hex. */
  hashes: Record<string, string>;
}

/** Portage's MANIFEST2_HASH_DEFAULTS and the node digest that computes each. */
export const MANIFEST_HASHES = { BLAKE2B: 'blake2b512', SHA512: 'sha512' } as const;

/** Hashers for one member; `update` as bytes stream past, `entry` at the end. */
export function memberHasher(name: string) {
  const hs = Object.entries(MANIFEST_HASHES).map(([k, algo]) => [k, createHash(algo)] as const);
  let size = 0;
  return {
    update(b: Uint8Array) {
      size += b.length;
      for (const [, h] of hs) h.update(b);
    },
    entry(): ManifestEntry {
      return { name, size, hashes: Object.fromEntries(hs.map(([k, h]) => [k, h.digest('hex')])) };
    },
  };
}

export function formatManifest(entries: ManifestEntry[]): string {
  return entries.map((e) => ['DATA', e.name, String(e.size), ...Object.entries(e.hashes).flat()].join(' ') + '\n').join('');
}

/** Parses Manifest text; returns the problem instead of entries when a line is not a DATA line. */
export function parseManifest(text: string): { entries: ManifestEntry[] } | { problem: string } {
  const entries: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'DATA' || f.length < 3 || !/^\d+$/.test(f[2]!)) return { problem: `Manifest line "${line.slice(0, 80)}" is not a DATA line` };
    if (entries.some((e) => e.name === f[1])) return { problem: `Manifest lists ${f[1]} twice` };
    const hashes: Record<string, string> = {};
    for (let i = 3; i + 1 < f.length; i += 2) hashes[f[i]!] = f[i + 1]!.toLowerCase();
    entries.push({ name: f[1]!, size: Number(f[2]), hashes });
  }
  return { entries };
}
