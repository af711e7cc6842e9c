/**
 * Signs a GPKG in place the way Portage's `gpkg.update_signature()` does (lib/portage/gpkg.py in
 * Portage; docs/internals/gentoo.md#gpkg): every member except `gpkg-1` gets an armoured detached
 * signature `<member>.sig` right after it, over exactly the member's bytes; the `Manifest` lists
 * size, BLAKE2B and SHA512 of every member (signatures included) and is cleartext-signed.
 * Members are copied byte for byte; the file is rebuilt beside the original and renamed over it,
 * so a reader sees the unsigned package or the signed one, never a half-written file.
 * Runs on the host: build containers never see the private key.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { basename } from 'node:path';
import { finished } from 'node:stream/promises';
import { BinfarmError } from '../errors.ts';
import { tempSibling } from '../util/fs.ts';
import { clearsign, signDetached, type GpgHome } from './gpg.ts';
import { formatManifest, memberHasher, type ManifestEntry } from './gpkg-manifest.ts';
import { padding, readTarMembers, ustarHeader, type TarMember } from './tar-members.ts';

export interface Signer extends GpgHome {
  /** Fingerprint (or other spec) of the signing key in the keyring. */
  key: string;
}

/** The one directory all members sit in (`<PF>-<BUILD_ID>`); throws when the layout is not a GPKG's. */
export function gpkgPrefix(members: TarMember[], label: string): string {
  const dirs = new Set(members.map((m) => (m.name.split('/').length === 2 ? m.name.split('/')[0]! : '')));
  const only = dirs.size === 1 ? [...dirs][0] : '';
  if (!only || !members.some((m) => m.name === `${only}/gpkg-1`)) {
    throw new BinfarmError('E_BINPKG_CORRUPT', `${label} is not a GPKG: its members are not <dir>/gpkg-1, <dir>/metadata.tar…, <dir>/image.tar…`, {
      hint: 'Only GPKG binpkgs (BINPKG_FORMAT="gpkg", the default) can be signed.',
    });
  }
  return only;
}

/** True when the member is a signature or the Manifest (rewritten on signing). */
function isSignatureOrManifest(m: TarMember): boolean {
  const b = basename(m.name);
  return b.endsWith('.sig') || b === 'Manifest';
}

/** Signs `file` with `signer`; returns the Manifest entries written. */
export async function signGpkg(file: string, signer: Signer): Promise<ManifestEntry[]> {
  const fh = await open(file, 'r');
  let members: TarMember[];
  let mode: number;
  try {
    const st = await fh.stat();
    mode = st.mode & 0o7777;
    members = await readTarMembers(fh, st.size, file);
  } finally {
    await fh.close();
  }
  const prefix = gpkgPrefix(members, file);
  const now = Date.now() / 1000;
  const tmp = tempSibling(file);
  const out = createWriteStream(tmp, { mode });
  const write = async (b: Buffer | string) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  const entries: ManifestEntry[] = [];
  try {
    for (const m of members.filter((x) => !isSignatureOrManifest(x))) {
      const hasher = memberHasher(basename(m.name));
      // The member as it is (its header blocks included), copied verbatim.
      for await (const chunk of createReadStream(file, { start: m.start, end: m.end - 1 })) await write(chunk as Buffer);
      if (basename(m.name) === 'gpkg-1' || m.size === 0) {
        entries.push(hasher.entry());
        continue;
      }
      const data = createReadStream(file, { start: m.dataOffset, end: m.dataOffset + m.size - 1 });
      data.on('data', (b) => hasher.update(b as Buffer));
      const sig = Buffer.from(await signDetached(signer, signer.key, data));
      entries.push(hasher.entry());
      const sigHasher = memberHasher(`${basename(m.name)}.sig`);
      sigHasher.update(sig);
      entries.push(sigHasher.entry());
      await write(ustarHeader(`${prefix}/${basename(m.name)}.sig`, sig.length, now));
      await write(sig);
      await write(padding(sig.length));
    }
    const manifest = Buffer.from(await clearsign(signer, signer.key, formatManifest(entries)));
    await write(ustarHeader(`${prefix}/Manifest`, manifest.length, now));
    await write(manifest);
    await write(padding(manifest.length));
    await write(Buffer.alloc(1024)); // end-of-archive
    out.end();
    await finished(out);
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
  return entries;
}
