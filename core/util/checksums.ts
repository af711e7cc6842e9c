/**
 * Checksum files as Gentoo publishes them (docs/internals/gentoo.md#stage3, #tree-snapshots):
 *  - catalyst `.DIGESTS`: blocks of `# <ALGO> HASH` then `<hex>  <file>` lines (SHA512, BLAKE2B, ...);
 *  - `.sha256` (`# SHA256 HASH` + one line), `.md5sum` and `sha512sum.txt` (`<hex>  <file>`);
 *  - BSD-tagged lines `SHA512 (file) = <hex>`;
 *  - any of these wrapped in a PGP cleartext signature (the armour is stripped here; the
 *    signature itself is checked on the artifact's detached `.asc`/`.gpgsig`).
 * One pass over the file computes every hash the list names for it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { BinfarmError } from '../errors.ts';

export type DigestAlgo = 'SHA512' | 'BLAKE2B' | 'SHA256' | 'SHA1' | 'MD5';

export interface DigestEntry {
  algo: DigestAlgo;
  hex: string;
  file: string;
}

const NODE_ALGO: Record<DigestAlgo, string> = { SHA512: 'sha512', BLAKE2B: 'blake2b512', SHA256: 'sha256', SHA1: 'sha1', MD5: 'md5' };
/** Strongest first: the order in which a mismatch is reported. */
const STRENGTH: DigestAlgo[] = ['SHA512', 'BLAKE2B', 'SHA256', 'SHA1', 'MD5'];
const BY_LENGTH: Record<number, DigestAlgo> = { 128: 'SHA512', 64: 'SHA256', 40: 'SHA1', 32: 'MD5' };

/** The signed body of a PGP cleartext message (dash-escaping undone), or the text unchanged. */
export function stripClearsign(text: string): string {
  if (!text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return text;
  const lines = text.split(/\r?\n/);
  let i = 1;
  while (i < lines.length && lines[i] !== '') i++; // armour headers (Hash: ...)
  const body: string[] = [];
  for (i++; i < lines.length && !lines[i]!.startsWith('-----BEGIN PGP SIGNATURE-----'); i++) {
    const l = lines[i]!;
    body.push(l.startsWith('- ') ? l.slice(2) : l);
  }
  return body.join('\n');
}

function algoName(raw: string): DigestAlgo | undefined {
  const up = raw.toUpperCase().replace(/-/g, '');
  if (up === 'BLAKE2B' || up === 'BLAKE2B512') return 'BLAKE2B';
  return (STRENGTH as string[]).includes(up) ? (up as DigestAlgo) : undefined;
}

export function parseChecksums(text: string): DigestEntry[] {
  const out: DigestEntry[] = [];
  let current: DigestAlgo | undefined;
  for (const raw of stripClearsign(text).split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const header = /^#\s*([A-Za-z0-9-]+)\s+HASH\b/i.exec(line);
    if (header) {
      current = algoName(header[1]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const bsd = /^([A-Za-z0-9-]+)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)$/.exec(line);
    if (bsd) {
      const algo = algoName(bsd[1]!);
      if (algo) out.push({ algo, hex: bsd[3]!.toLowerCase(), file: bsd[2]! });
      continue;
    }
    const gnu = /^([0-9a-fA-F]{32,128})\s+\*?(.+)$/.exec(line) ?? /^([0-9a-fA-F]{32,128})$/.exec(line);
    if (gnu) {
      const hex = gnu[1]!.toLowerCase();
      const algo = current ?? BY_LENGTH[hex.length];
      if (algo) out.push({ algo, hex, file: (gnu[2] ?? '').trim() });
    }
  }
  return out;
}

/** Computes the given hashes of a file in one pass (hex). */
export async function hashFileMulti(path: string, algos: DigestAlgo[]): Promise<Record<DigestAlgo, string>> {
  const hashes = new Map(algos.map((a) => [a, createHash(NODE_ALGO[a])]));
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) for (const h of hashes.values()) h.update(chunk as Buffer);
  const out = {} as Record<DigestAlgo, string>;
  for (const [a, h] of hashes) out[a] = h.digest('hex');
  return out;
}

export interface VerifiedFile {
  /** SHA512 of the file (always computed: it names the artifact in caches and keys). */
  sha512: string;
  /** Algorithms whose published value matched. */
  verified: DigestAlgo[];
}

/**
 * Checks `path` (published as `fileName`) against the entries of a checksum file. Fails with
 * E_DIGEST naming the file, the expected and the actual value on any mismatch, or when the list
 * has no entry for the file. Entries without a file name (a bare hash) apply to this file.
 */
export async function verifyChecksums(path: string, fileName: string, entries: DigestEntry[], listName: string): Promise<VerifiedFile> {
  const mine = entries.filter((e) => e.file === fileName || e.file === '' || e.file.endsWith(`/${fileName}`));
  if (!mine.length) {
    const names = [...new Set(entries.map((e) => e.file))].join(', ') || 'nothing';
    throw new BinfarmError('E_DIGEST', `${listName} has no checksum for ${fileName} (it lists ${names})`, {
      hint: 'Use the checksum file published next to this exact file (same name and timestamp).',
      details: { file: fileName, list: listName },
    });
  }
  const algos = [...new Set<DigestAlgo>(['SHA512', ...mine.map((e) => e.algo)])];
  const actual = await hashFileMulti(path, algos);
  const ordered = [...mine].sort((a, b) => STRENGTH.indexOf(a.algo) - STRENGTH.indexOf(b.algo));
  for (const e of ordered) {
    if (actual[e.algo] !== e.hex) {
      throw new BinfarmError('E_DIGEST', `${e.algo} mismatch for ${fileName}: expected ${e.hex}, got ${actual[e.algo]}`, {
        hint: `The file ${path} is corrupt or not the one ${listName} describes. Delete it and download it again; if it persists, the mirror is inconsistent, so try another.`,
        details: { file: fileName, path, algo: e.algo, expected: e.hex, actual: actual[e.algo], list: listName },
      });
    }
  }
  return { sha512: actual.SHA512, verified: [...new Set(ordered.map((e) => e.algo))] };
}

export async function readChecksumFile(path: string): Promise<DigestEntry[]> {
  return parseChecksums(await readFile(path, 'utf8'));
}
