/**
 * The SBOM of an assembled image, made like a subject's (subject-sbom.ts) from the ROOT the
 * assembly merged into: `/` for a committed image, /assemble-root for a slim one. It is written
 * into that ROOT before the image is made, so whatever turns the ROOT into an image (commit,
 * import, an OCI writer) carries it; checksums come from the from-subject's partition index.
 * The direct path makes the same document on the host (core/assemble/direct/direct-sbom.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePackagesIndex } from '../binhost/packages-index.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { binpkgLookup } from './binpkg-facts.ts';
import { makeSbom, putSbom, sbomLabels, type MadeSbom } from './image-sbom.ts';
import { runSbomPath, SBOM_DATA } from './subject-sbom.ts';

/** Returns the SBOM (for the provenance) and the labels that reference it (for the image). */
export async function addAssemblySbom(
  build: SubjectBuild,
  container: ContainerHandle,
  opts: { name: string; repo: string; root: string; partitionDir: string },
): Promise<{ sbom: MadeSbom; labels: Record<string, string> }> {
  build.progress.title('SBOM from /var/db/pkg');
  const index = parsePackagesIndex(await readFile(join(opts.partitionDir, 'Packages'), 'utf8').catch(() => ''));
  const sbom = await makeSbom(container, opts.repo, binpkgLookup([index]), opts.root);
  await putSbom(container, sbom, opts.root);
  await keepAssemblySbom(build, opts.name, sbom);
  return { sbom, labels: sbomLabels(sbom) };
}

/** The copy beside the run and the build's SBOM_DATA (for the provenance), on either assembly path. */
export async function keepAssemblySbom(build: SubjectBuild, name: string, sbom: MadeSbom): Promise<void> {
  await writeFileAtomic(runSbomPath(build.run.runDir, name), sbom.text);
  build.data.set(SBOM_DATA, sbom);
  build.progress.output(`SBOM: ${sbom.packages.length} packages, ${sbom.digest}`);
}
