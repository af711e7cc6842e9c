/**
 * The package phase's provenance step, once the subject image is promoted (its id final): the
 * statement of how it was made, signed with the group key when `binhost.signing` is set, stored
 * beside the run and under the state dir; publishing pushes it next to the image
 * (push-provenance.ts).
 */
import { readFile } from 'node:fs/promises';
import type { RunContext, SubjectBuild } from '../run/context.ts';
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { SBOM_PATH, sha256Of } from '../sbom/image-sbom.ts';
import { sbomOfBuild } from '../sbom/subject-sbom.ts';
import { signStatement } from './sign.ts';
import { buildStatement, serializeStatement, type ProvenanceFacts } from './statement.ts';
import { storeAttestation } from './store.ts';

/** `sha256:<hex>` of the config file the run was made from, when there is one. */
export async function configDigestOf(run: RunContext): Promise<ProvenanceFacts['config']> {
  const path = run.farm?.configFile;
  if (!path) return undefined;
  const bytes = await readFile(path).catch(() => undefined);
  return bytes ? { path, digest: sha256Of(bytes) } : undefined;
}

/** Signs (when a key is configured) and stores the statement; returns whether it was signed. */
export async function attest(run: RunContext, facts: ProvenanceFacts): Promise<boolean> {
  const statement = serializeStatement(buildStatement(facts));
  const signature = await signStatement(run, statement);
  await storeAttestation(
    { stateDir: run.stateDir, runDir: run.runDir, name: facts.name.split('/').pop()!, imageId: facts.imageId },
    {
      statement,
      ...(signature ? { signature } : {}),
    },
  );
  return !!signature;
}

export async function recordSubjectProvenance(build: SubjectBuild): Promise<void> {
  const { run, subject } = build;
  if (!build.image) return;
  const sbom = sbomOfBuild(build);
  const config = await configDigestOf(run);
  const signed = await attest(run, {
    kind: 'subject',
    name: `${run.options.imagePrefix}/${subject.name}`,
    imageId: build.image.id,
    binfarmVersion: binfarmVersion(),
    ...(config ? { config } : {}),
    ...(build.stage3Digest ? { stage3Digest: build.stage3Digest } : {}),
    ...(build.tree?.digest ? { treeDigest: build.tree.digest } : {}),
    ...(build.key ? { contentKey: build.key } : {}),
    ...(build.baseImage ? { parent: { ref: build.baseImage.ref, digest: build.baseImage.digest } } : {}),
    ...(sbom ? { sbom: { path: SBOM_PATH, digest: sbom.digest } } : {}),
    runId: run.runId,
    finishedOn: new Date().toISOString(),
  });
  build.progress.output(`provenance recorded${signed ? ', signed' : ' unsigned (binhost.signing is not set)'}`);
}
