/**
 * Checks the file of one `Packages` entry against the entry: it exists, its size is SIZE and
 * every digest the entry carries (MD5, SHA1, BLAKE2B, SHA512 — what Portage's BinpkgVerifier
 * checks) matches. `cached` trusts a verify-cache hit and hashes only files whose stat changed;
 * `full` hashes every file (and refreshes the cache).
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { hashFileMulti, type DigestAlgo } from '../util/checksums.ts';
import type { IndexBlock } from './packages-index.ts';
import type { VerifyCache } from './verify-cache.ts';

/** Index keys holding file digests, and the algorithm of each. */
const DIGEST_KEYS: Array<[string, DigestAlgo]> = [
  ['MD5', 'MD5'],
  ['SHA1', 'SHA1'],
  ['BLAKE2B', 'BLAKE2B'],
  ['SHA512', 'SHA512'],
];

export type CheckMode = 'cached' | 'full';

export type EntryVerdict = { ok: true } | { ok: false; kind: 'missing' | 'corrupt'; what: string };

/** What a file is verified against: SIZE and the digests present, in a fixed order. */
export function entryDigestId(entry: IndexBlock): string {
  const parts = [`SIZE:${entry.SIZE ?? ''}`];
  for (const [k] of DIGEST_KEYS) if (entry[k]) parts.push(`${k}:${entry[k]!.toLowerCase()}`);
  return parts.join(' ');
}

/** `app-misc/x/x-1.0-1.gpkg.tar` → `app-misc/x-1.0-1` (the name in warnings and plan reasons). */
export function binpkgName(path: string): string {
  const parts = path.split('/');
  const base = parts[parts.length - 1]!.replace(/\.(gpkg\.tar|tbz2|xpak)$/, '');
  return parts.length >= 2 ? `${parts[0]}/${base}` : base;
}

export async function checkEntryFile(dir: string, entry: IndexBlock, cache: VerifyCache | undefined, mode: CheckMode): Promise<EntryVerdict> {
  const p = entry.PATH;
  if (!p) return { ok: false, kind: 'missing', what: 'the index entry has no PATH' };
  if (isAbsolute(p) || p.split('/').includes('..')) return { ok: false, kind: 'corrupt', what: `PATH "${p}" leaves the partition` };
  const st = await stat(join(dir, p)).catch(() => undefined);
  if (!st?.isFile()) {
    cache?.forget(p);
    return { ok: false, kind: 'missing', what: `${p} does not exist` };
  }
  if (entry.SIZE && Number(entry.SIZE) !== st.size) {
    cache?.forget(p);
    return { ok: false, kind: 'corrupt', what: `size ${st.size} bytes, the index says ${entry.SIZE}` };
  }
  const id = entryDigestId(entry);
  if (mode === 'cached' && cache?.hit(p, st, id)) return { ok: true };
  const wanted = DIGEST_KEYS.filter(([k]) => entry[k]);
  if (wanted.length) {
    const actual = await hashFileMulti(
      join(dir, p),
      wanted.map(([, a]) => a),
    );
    const bad = wanted.filter(([k, a]) => actual[a] !== entry[k]!.toLowerCase());
    if (bad.length) {
      cache?.forget(p);
      return { ok: false, kind: 'corrupt', what: bad.map(([k, a]) => `${k} ${actual[a]}, the index says ${entry[k]}`).join('; ') };
    }
  }
  cache?.record(p, st, id);
  return { ok: true };
}
