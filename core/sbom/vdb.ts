/**
 * The installed-package database of an image (`/var/db/pkg/<category>/<PF>/<KEY>`, one file per
 * metadata key, docs/internals/gentoo.md), read from a tar stream of that directory as the Engine
 * API's archive endpoint returns it (entries `pkg/<category>/<PF>/<KEY>`). Only the keys an SBOM
 * needs are kept; Portage writes each value followed by a newline, which is dropped.
 */
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { PN_VERSION_RE } from '../portage/grammar/version.ts';

export interface InstalledPackage {
  category: string;
  /** Package name without version (`gsl`). */
  name: string;
  /** Version with revision (`2.8-r1`). */
  version: string;
  /** `SLOT` (with sub-slot, as Portage records it); Portage's default `0` when absent. */
  slot: string;
  /** `repository` the ebuild came from; empty when the vdb does not say. */
  repository: string;
  /** The enabled flags (`USE`, restricted to IUSE by Portage), sorted. */
  use: string[];
  /** `LICENSE` as in the ebuild (with `||` groups and USE conditionals). */
  license: string;
  /** `BUILD_ID` of the binpkg it was merged from; empty when built in place without one (stage3). */
  buildId: string;
  /** `BUILD_TIME` (seconds since the epoch); empty when unknown. */
  buildTime: string;
}

/** The vdb files an SBOM reads (core/assemble/direct/ keeps only these of a from image). */
export const VDB_SBOM_KEYS: ReadonlySet<string> = new Set(['SLOT', 'repository', 'USE', 'LICENSE', 'BUILD_ID', 'BUILD_TIME']);

export function cpvOf(p: Pick<InstalledPackage, 'category' | 'name' | 'version'>): string {
  return `${p.category}/${p.name}-${p.version}`;
}

/** Reads the packages from a tar of /var/db/pkg, sorted by CPV. Directories without a versioned name are skipped. */
export async function readVdbTar(tar: Readable): Promise<InstalledPackage[]> {
  const found = new Map<string, Map<string, string>>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const parts = header.name
        .replace(/^\.?\//, '')
        .split('/')
        .filter(Boolean);
      // pkg/<category>/<PF>[/<KEY>]; also accept a tar rooted at the category level.
      const rel = parts[0] === 'pkg' ? parts.slice(1) : parts;
      const [category, pf, key] = rel;
      if (category && pf && !category.startsWith('.') && !pf.startsWith('-')) {
        const id = `${category}/${pf}`;
        if (!found.has(id)) found.set(id, new Map());
        if (key && rel.length === 3 && VDB_SBOM_KEYS.has(key) && header.type === 'file') {
          const chunks: Buffer[] = [];
          stream.on('data', (c: unknown) => chunks.push(c as Buffer));
          stream.on('end', () => {
            found.get(id)!.set(key, Buffer.concat(chunks).toString('utf8').trim());
            next();
          });
          return;
        }
      }
      stream.on('end', () => next());
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  tar.on('error', (e) => ex.destroy(e));
  tar.pipe(ex);
  await done;
  const out: InstalledPackage[] = [];
  for (const [id, keys] of found) {
    const [category, pf] = id.split('/') as [string, string];
    const m = PN_VERSION_RE.exec(pf);
    if (!m || m[3]) continue; // a directory Portage would not create (e.g. a lock or temp dir)
    out.push({
      category,
      name: m[1]!,
      version: m[2]!,
      slot: keys.get('SLOT') || '0',
      repository: keys.get('repository') ?? '',
      use: (keys.get('USE') ?? '').split(/\s+/).filter(Boolean).sort(),
      license: (keys.get('LICENSE') ?? '').replace(/\s+/g, ' '),
      buildId: keys.get('BUILD_ID') ?? '',
      buildTime: keys.get('BUILD_TIME') ?? '',
    });
  }
  return out.sort((a, b) => (cpvOf(a) < cpvOf(b) ? -1 : cpvOf(a) > cpvOf(b) ? 1 : 0));
}
