/**
 * Checksums and signatures of downloaded tree snapshots. A checksum option is either the value
 * itself (32 hex = MD5, 128 hex = SHA512) or the location of a checksum file (.md5sum,
 * sha512sum.txt, possibly PGP-cleartext-signed).
 */
import { BinfarmError } from '../../errors.ts';
import { hashFileMulti, readChecksumFile, verifyChecksums, type DigestEntry } from '../../util/checksums.ts';
import { fetchSource, siblingSource, sourceBasename } from '../../util/download.ts';
import { verifyDetachedSignature } from '../../util/gpg.ts';
import type { TreeContext } from './types.ts';

async function entriesFor(value: string, fileName: string, ctx: TreeContext): Promise<{ entries: DigestEntry[]; list: string }> {
  if (/^[0-9a-f]{32}$/i.test(value)) return { entries: [{ algo: 'MD5', hex: value.toLowerCase(), file: fileName }], list: 'the configured MD5' };
  if (/^[0-9a-f]{128}$/i.test(value)) return { entries: [{ algo: 'SHA512', hex: value.toLowerCase(), file: fileName }], list: 'the configured SHA512' };
  const path = (await fetchSource(value, { rootDir: ctx.rootDir, cacheDir: ctx.cacheDir, signal: ctx.signal }))!;
  return { entries: await readChecksumFile(path), list: sourceBasename(value) };
}

/**
 * Verifies `file` (published as `src`) against the configured checksums, or the sibling
 * `defaults` (e.g. `.md5sum`) when none is configured. Returns the file's SHA512.
 * `required`: fail when no checksum can be found at all.
 */
export async function verifyDownloaded(
  file: string,
  src: string,
  configured: Array<string | undefined>,
  defaults: string[],
  ctx: TreeContext,
  required: boolean,
): Promise<string> {
  const name = sourceBasename(src);
  const lists: Array<{ entries: DigestEntry[]; list: string }> = [];
  for (const c of configured) if (c) lists.push(await entriesFor(c, name, ctx));
  if (!lists.length) {
    for (const d of defaults) {
      const loc = d.startsWith('/') || d.includes('://') ? d : siblingSource(src, d);
      const path = await fetchSource(loc, { rootDir: ctx.rootDir, cacheDir: ctx.cacheDir, signal: ctx.signal, optional: true });
      if (path) {
        lists.push({ entries: await readChecksumFile(path), list: sourceBasename(loc) });
        break;
      }
    }
  }
  if (!lists.length) {
    if (required) {
      throw new BinfarmError('E_DIGEST', `no checksum found for ${name} (tried ${defaults.map((d) => (d.includes('/') ? d : name + d)).join(', ')})`, {
        hint: 'Publish the checksum file next to it, or set the source\'s md5sum/sha512 option to the checksum or the checksum file.',
      });
    }
    ctx.warn(`${ctx.what}: ${name} has no checksum to verify against`);
    return (await hashFileMulti(file, ['SHA512'])).SHA512;
  }
  let sha512 = '';
  for (const l of lists) {
    const v = await verifyChecksums(file, name, l.entries, l.list);
    sha512 = v.sha512;
    ctx.output(`${name}: ${v.verified.join(', ')} verified against ${l.list}`);
  }
  return sha512;
}

/** With a key configured the signature is required (`signature`, else `<src><suffix>`). */
export async function verifySignatureIfKeyed(
  file: string,
  src: string,
  opts: { signature?: string | undefined; gpgKey?: string | undefined },
  suffix: string,
  ctx: TreeContext,
): Promise<void> {
  if (!opts.gpgKey) return;
  const loc = opts.signature ?? siblingSource(src, suffix);
  const sig = await fetchSource(loc, { rootDir: ctx.rootDir, cacheDir: ctx.cacheDir, signal: ctx.signal, optional: true });
  if (!sig) {
    throw new BinfarmError('E_SIGNATURE', `${ctx.what}: the signature ${loc} is missing, and gpgKey is set`, {
      hint: "Put the detached signature next to the file or set the source's `signature` option; remove gpgKey only if you accept an unsigned snapshot.",
    });
  }
  const { fingerprint } = await verifyDetachedSignature({ file, signature: sig, key: opts.gpgKey, rootDir: ctx.rootDir });
  ctx.output(`${sourceBasename(src)}: signature good (${fingerprint})`);
}
