/**
 * Phase 5 of a subject's walk (docs/internals/walk.md): package.
 *   core/package/phase.ts          the phase: signing, Packages index, SBOM, commit, smoke tests, promotion, provenance, state
 *   core/signing/sign-partition.ts new binpkgs signed on the host before the index is made (binhost.signing)
 *   core/binhost/verify-index.ts   the partition's Packages index checked from TypeScript
 *   core/package/promote-image.ts  the image committed pending and promoted once its tests passed
 *   core/package/smoke.ts          the subject's smoke tests, each in a fresh container
 *   core/plan/image-labels.ts      the labels the image carries (key, parent, packages, partition)
 *   core/sbom/subject-sbom.ts      the image's SBOM from its /var/db/pkg, put into the image and beside the run
 *   core/provenance/subject-provenance.ts  the signed statement of how the promoted image was made
 *   core/plan/state.ts             the build recorded in the state directory
 *   core/build/build-container.ts  the build container, committed and then removed
 * Light for the same reason as emerge.ts: the tap imports the implementation when the phase runs.
 */
import type { FarmContext } from '../types.ts';
import type { Plugin } from '../plugin.ts';

export class PackagePlugin implements Plugin {
  readonly name = 'binfarm:package';

  apply(farm: FarmContext): void {
    farm.hooks.package.tapPromise(this.name, async (build) => (await import('../package/phase.ts')).packagePhase(farm, build));
  }
}
