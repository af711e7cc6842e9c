/**
 * Checks a GPKG's signatures the way Portage's `gpkg._verify_binpkg()` does with verification on:
 * one directory, unique member names, a cleartext-signed Manifest with a good signature, every
 * member (signatures included) listed with the right size and hashes, every member except
 * `gpkg-1` with a good detached `.sig` over its exact bytes, nothing missing and nothing extra.
 * It names every problem instead of stopping at the first, and which key signed what.
 *
 * Portage additionally demands TRUST_FULLY or TRUST_ULTIMATE from its own keyring
 * (/etc/portage/gnupg); here the check is that the signer is one of the farm's keys (`allowed`).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { verifyClearsigned, verifyDetached, type GpgHome, type VerifyResult } from './gpg.ts';
import { memberHasher, parseManifest } from './gpkg-manifest.ts';
import { readTarMembers, type TarMember } from './tar-members.ts';

export interface GpkgSignatureReport {
  file: string;
  /** The Manifest carries a PGP signature at all. */
  signed: boolean;
  /** Fingerprint of the key that signed the Manifest (when its signature is good). */
  signer: string | undefined;
  /** Member basename → fingerprint of the key whose good detached signature covers it. */
  members: Record<string, string>;
  /** Empty when the package passes every check. */
  problems: string[];
}

function why(r: VerifyResult): string {
  const s = r.signatures[0];
  if (!s) return r.message || 'no signature';
  if (s.state === 'no-public-key') return `made by key ${s.keyId ?? '?'}, which is not in the keyring`;
  if (s.state === 'bad') return `BAD signature (the data was changed after signing)`;
  return `${s.state}${r.message ? `: ${r.message}` : ''}`;
}

function readMember(file: string, m: TarMember): NodeJS.ReadableStream {
  return m.size ? createReadStream(file, { start: m.dataOffset, end: m.dataOffset + m.size - 1 }) : Readable.from([]);
}

async function memberBytes(file: string, m: TarMember): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (m.size) for await (const c of readMember(file, m)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Checks `file` against the keyring `home`; a signer not in `allowed` (fingerprints) is a problem when `allowed` is given. */
export async function verifyGpkgSignatures(file: string, home: GpgHome, allowed?: string[]): Promise<GpkgSignatureReport> {
  const report: GpkgSignatureReport = { file, signed: false, signer: undefined, members: {}, problems: [] };
  const problem = (p: string) => report.problems.push(p);
  const fh = await open(file, 'r');
  let members: TarMember[];
  try {
    members = await readTarMembers(fh, (await fh.stat()).size, file);
  } catch (e) {
    problem((e as Error).message);
    return report;
  } finally {
    await fh.close();
  }
  const names = members.map((m) => m.name);
  if (new Set(names).size !== names.length) problem('duplicate member names (Portage refuses this as a possible attack)');
  const dirs = new Set(names.map((n) => (n.split('/').length === 2 ? n.split('/')[0] : '')));
  if (dirs.size !== 1 || dirs.has('')) problem('members are not all in one <PF>-<BUILD_ID>/ directory');
  const byBase = new Map(members.map((m) => [basename(m.name), m]));
  const manifestMember = byBase.get('Manifest');
  if (!manifestMember) {
    problem('no Manifest member');
    return report;
  }
  const manifestText = await memberBytes(file, manifestMember);
  report.signed = manifestText.includes('-----BEGIN PGP SIGNATURE-----');
  if (!report.signed) {
    problem('unsigned: the Manifest has no PGP signature');
    return report;
  }
  const allowedSet = allowed ? new Set(allowed.map((a) => a.toUpperCase())) : undefined;
  const checkSigner = (what: string, r: VerifyResult): string | undefined => {
    if (!r.valid) {
      problem(`${what}: ${why(r)}`);
      return undefined;
    }
    if (allowedSet && !allowedSet.has(r.fingerprint!)) problem(`${what}: signed by ${r.fingerprint}, which is not one of the binhost's keys`);
    return r.fingerprint;
  };
  const m = await verifyClearsigned(home, manifestText);
  report.signer = checkSigner('Manifest', m);
  if (!report.signer) return report;
  const parsed = parseManifest(m.content.toString('utf8'));
  if ('problem' in parsed) {
    problem(parsed.problem);
    return report;
  }
  const listed = new Map(parsed.entries.map((e) => [e.name, e]));
  for (const mem of members) {
    const b = basename(mem.name);
    if (b === 'Manifest') continue;
    const entry = listed.get(b);
    listed.delete(b);
    if (!entry) {
      problem(`${b}: in the package but not in the Manifest`);
      continue;
    }
    if (entry.size !== mem.size) problem(`${b}: size ${mem.size}, the Manifest says ${entry.size}`);
    const hasher = memberHasher(b);
    const needsSig = !b.endsWith('.sig') && b !== 'gpkg-1';
    const sigMember = needsSig ? byBase.get(`${b}.sig`) : undefined;
    if (needsSig && !sigMember) problem(`${b}: no ${b}.sig signature`);
    const signature = sigMember ? await memberBytes(file, sigMember) : undefined;
    // Hashed while gpg reads it: one pass over the member. The listener and gpg's pipe attach in the same tick.
    const data = readMember(file, mem);
    data.on('data', (c) => hasher.update(c as Buffer));
    if (signature) {
      const r = await verifyDetached(home, data, signature);
      const fpr = checkSigner(`${b}.sig`, r);
      if (fpr) report.members[b] = fpr;
    } else {
      for await (const _ of data) void _;
    }
    const got = hasher.entry().hashes;
    const known = Object.keys(entry.hashes).filter((h) => h in got);
    if (!known.length) problem(`${b}: the Manifest lists no hash binfarm can check (BLAKE2B or SHA512)`);
    for (const h of known) if (got[h] !== entry.hashes[h]) problem(`${b}: ${h} does not match the Manifest`);
  }
  for (const name of listed.keys()) problem(`${name}: in the Manifest but missing from the package`);
  return report;
}
