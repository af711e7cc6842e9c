/**
 * Generated binpkgs for assembly tests and bench/assemble.ts: GPKG files (test/fixtures/gpkg.ts)
 * written into the partition of an assembly farm's built base subject, and entered into its
 * Packages index as emaint would (PATH, SIZE, MTIME, MD5, CPV, BUILD_ID, ...), so that the fixture
 * emerge and binfarm's digest check both see them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePackagesIndex, serializePackagesIndex } from '../../core/binhost/packages-index.ts';
import { writeGpkg, type GpkgSpec } from '../fixtures/gpkg.ts';
import type { AssembleEnv } from './_env.ts';

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
    for (const k of ['BUILD_TIME', 'DEFINED_PHASES', 'EAPI', 'SLOT', 'USE', 'IUSE', 'RDEPEND']) if (meta(k)) entry[k] = meta(k)!;
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
