/**
 * Generated binpkgs for assembly tests and bench/assemble.ts: GPKG files (test/fixtures/gpkg.ts)
 * written into the partition of an assembly farm's built base subject, and entered into its
 * Packages index as emaint would (PATH, SIZE, MTIME, MD5, CPV, BUILD_ID and the metadata keys
 * Portage indexes), so that the fixture emerge, real Portage and binfarm's digest check all see them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePackagesIndex, serializePackagesIndex } from '../../core/binhost/packages-index.ts';
import { writeGpkg, type GpkgSpec } from '../fixtures/gpkg.ts';
import type { AssembleEnv } from './_env.ts';

/**
 * The metadata keys Portage keeps in a Packages entry (bintree.py `_pkgindex_keys`, from the
 * dbapi's `_aux_cache_keys`): when an entry's MTIME and SIZE match the file, Portage takes these
 * from the index without opening the binpkg, and a key left out reads as its default (KEYWORDS
 * and LICENSE empty: the package is masked).
 */
const INDEX_KEYS = [
  'BDEPEND',
  'BUILD_TIME',
  'CHOST',
  'DEFINED_PHASES',
  'DEPEND',
  'DESCRIPTION',
  'EAPI',
  'IDEPEND',
  'IUSE',
  'KEYWORDS',
  'LICENSE',
  'PDEPEND',
  'PROPERTIES',
  'PROVIDES',
  'RDEPEND',
  'REQUIRES',
  'RESTRICT',
  'SLOT',
  'USE',
];

/** Writes the binpkgs and indexes them; returns their absolute files and `cat/pn` atoms. */
export async function addBinpkgs(env: AssembleEnv, specs: GpkgSpec[]): Promise<{ files: string[]; atoms: string[] }> {
  const index = findIndex(join(env.dir, 'binhost'));
  const partition = join(index, '..');
  const parsed = parsePackagesIndex(readFileSync(index, 'utf8'));
  const files: string[] = [];
  const atoms: string[] = [];
  for (const spec of specs) {
    const rel = await writeGpkg(partition, spec);
    const abs = join(partition, rel);
    const meta = (k: string) => (typeof spec.metadata[k] === 'string' ? (spec.metadata[k] as string) : undefined);
    const st = statSync(abs);
    const entry: Record<string, string> = {
      CPV: `${spec.cat}/${spec.pf}`,
      BUILD_ID: String(spec.buildId),
      MD5: createHash('md5').update(readFileSync(abs)).digest('hex'),
      MTIME: String(Math.floor(st.mtimeMs / 1000)),
      PATH: rel,
      SIZE: String(st.size),
    };
    for (const k of INDEX_KEYS) if (meta(k)) entry[k] = meta(k)!;
    if (meta('repository')) entry.REPO = meta('repository')!;
    parsed.packages = parsed.packages.filter((p) => p.PATH !== rel);
    parsed.packages.push(entry);
    files.push(abs);
    atoms.push(`${spec.cat}/${spec.pf.replace(/-\d.*$/, '')}`);
  }
  writeFileSync(index, serializePackagesIndex(parsed, { touch: Date.now() / 1000 }));
  return { files, atoms };
}

function findIndex(root: string): string {
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) if (e.isFile() && e.name === 'Packages') return join(e.parentPath, e.name);
  throw new Error(`no Packages index under ${root}`);
}
