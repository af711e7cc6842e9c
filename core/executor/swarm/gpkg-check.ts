/**
 * Checks a GPKG against its own `Manifest` the way Portage's `gpkg._verify_binpkg()` does without
 * signature verification: members all in one `<basename>/` directory named like the file, names
 * unique, `gpkg-1` and `Manifest` present, every other member listed with its size and with at least
 * one hash binfarm computes (BLAKE2B, SHA512) and every listed hash matching, nothing listed that is
 * missing. A signed Manifest is read through its cleartext armour; its signature is not checked here
 * (that is the binhost's signing step, core/signing/).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { stripClearsign } from '../../util/checksums.ts';
import { MANIFEST_HASHES, memberHasher, parseManifest } from '../../signing/gpkg-manifest.ts';
import { readTarMembers, type TarMember } from '../../signing/tar-members.ts';

async function memberText(file: string, m: TarMember): Promise<string> {
  const chunks: Buffer[] = [];
  if (m.size) for await (const c of createReadStream(file, { start: m.dataOffset, end: m.dataOffset + m.size - 1 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function memberHashes(file: string, m: TarMember): Promise<Record<string, string>> {
  const h = memberHasher(m.name);
  if (!m.size) return h.entry().hashes;
  const data = createReadStream(file, { start: m.dataOffset, end: m.dataOffset + m.size - 1, highWaterMark: 1 << 20 });
  for await (const c of data) h.update(c as Buffer);
  return h.entry().hashes;
}

/** Problems of the GPKG `file` (empty when it is sound). */
export async function gpkgManifestProblems(file: string): Promise<string[]> {
  const problems: string[] = [];
  let members: TarMember[];
  const fh = await open(file, 'r');
  try {
    members = await readTarMembers(fh, (await fh.stat()).size, file);
  } catch (e) {
    return [(e as Error).message];
  } finally {
    await fh.close();
  }
  const names = members.map((m) => m.name);
  if (new Set(names).size !== names.length) problems.push('duplicate member names');
  const dirs = new Set(names.map((n) => (n.split('/').length === 2 ? n.split('/')[0]! : '')));
  const expected = basename(file).replace(/\.gpkg\.tar$/, '');
  if (dirs.size !== 1 || !dirs.has(expected)) problems.push(`members are not all in one ${expected}/ directory`);
  const notFiles = members.filter((m) => m.type !== '0' && m.type !== '\0');
  if (notFiles.length) problems.push(`members that are not regular files: ${notFiles.map((m) => m.name).join(', ')}`);
  const byBase = new Map(members.map((m) => [basename(m.name), m]));
  if (!byBase.has('gpkg-1')) problems.push('no gpkg-1 member (not a GPKG)');
  const manifestMember = byBase.get('Manifest');
  if (!manifestMember) return [...problems, 'no Manifest member'];
  const parsed = parseManifest(stripClearsign(await memberText(file, manifestMember)));
  if ('problem' in parsed) return [...problems, parsed.problem];
  const listed = new Map(parsed.entries.map((e) => [e.name, e]));
  for (const m of members) {
    const b = basename(m.name);
    if (b === 'Manifest') continue;
    const entry = listed.get(b);
    listed.delete(b);
    if (!entry) {
      problems.push(`${b}: in the package but not in its Manifest`);
      continue;
    }
    if (entry.size !== m.size) {
      problems.push(`${b}: ${m.size} bytes, the Manifest says ${entry.size}`);
      continue;
    }
    const known = Object.keys(MANIFEST_HASHES).filter((h) => entry.hashes[h]);
    if (!known.length) {
      problems.push(`${b}: the Manifest lists no hash binfarm can check (${Object.keys(MANIFEST_HASHES).join(', ')})`);
      continue;
    }
    const got = await memberHashes(file, m);
    for (const h of known) if (got[h] !== entry.hashes[h]) problems.push(`${b}: ${h} does not match the Manifest`);
  }
  for (const name of listed.keys()) problems.push(`${name}: in the Manifest but missing from the package`);
  return problems;
}
