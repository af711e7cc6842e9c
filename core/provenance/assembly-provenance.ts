/** The provenance of an assembled image (see subject-provenance.ts): parent = the from-image, content key = the assembly key. */
import type { RunContext } from '../run/context.ts';
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { SBOM_PATH } from '../sbom/image-sbom.ts';
import { attest, configDigestOf } from './subject-provenance.ts';

export async function recordAssemblyProvenance(
  run: RunContext,
  a: { repo: string; image: { id: string }; key: string; from: { ref: string; id: string }; sbomDigest?: string; treeDigest?: string },
): Promise<boolean> {
  const config = await configDigestOf(run);
  return attest(run, {
    kind: 'assembled',
    name: a.repo,
    imageId: a.image.id,
    binfarmVersion: binfarmVersion(),
    ...(config ? { config } : {}),
    ...(a.treeDigest ? { treeDigest: a.treeDigest } : {}),
    contentKey: a.key,
    parent: { ref: a.from.ref, digest: a.from.id },
    ...(a.sbomDigest ? { sbom: { path: SBOM_PATH, digest: a.sbomDigest } } : {}),
    runId: run.runId,
    finishedOn: new Date().toISOString(),
  });
}
