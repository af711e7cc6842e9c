/**
 * The package phase's SBOM step: made from the build container's /var/db/pkg (read by the phase
 * while the index is regenerated: installedPackagesOf) and the partition's index just before the
 * commit, written into the container (so the committed image carries it),
 * beside the run (`<runDir>/sbom/<subject>.spdx.json`) and kept in the build for the provenance.
 */
import { join } from 'node:path';
import type { PackagesIndex } from '../binhost/packages-index.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { binpkgLookup } from './binpkg-facts.ts';
import { makeSbomOf, putSbom, sbomLabels, type MadeSbom } from './image-sbom.ts';
import type { InstalledPackage } from './vdb.ts';

export const SBOM_DATA = 'binfarm:sbom';

export function runSbomPath(runDir: string, name: string): string {
  return join(runDir, 'sbom', `${name}.spdx.json`);
}

/** Returns the labels that reference the SBOM, for the commit. */
export async function addSubjectSbom(
  build: SubjectBuild,
  container: ContainerHandle,
  index: PackagesIndex,
  installed: InstalledPackage[],
): Promise<Record<string, string>> {
  build.progress.title('SBOM from /var/db/pkg');
  const sbom = makeSbomOf(`${build.run.options.imagePrefix}/${build.subject.name}`, installed, binpkgLookup([index]));
  await putSbom(container, sbom);
  await writeFileAtomic(runSbomPath(build.run.runDir, build.subject.name), sbom.text);
  build.data.set(SBOM_DATA, sbom);
  build.progress.output(`SBOM: ${sbom.packages.length} packages, ${sbom.digest}`);
  return sbomLabels(sbom);
}

export function sbomOfBuild(build: SubjectBuild): MadeSbom | undefined {
  return build.data.get(SBOM_DATA) as MadeSbom | undefined;
}
