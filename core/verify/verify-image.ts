/**
 * `binfarm verify <image>`: is this image what binfarm built and signed? An image in a registry
 * (its reference names one) is pulled by the manifest digest the registry gives for the reference,
 * its attestation read from `<repo>:sha256-<hex>.att`; a local image's attestation is read from the
 * state dir by image id. Each check is reported, none stops the others:
 *   provenance     the attestation exists and is an in-toto statement with a SLSA predicate
 *   signature      its detached signature is good and made by a trusted key
 *   subject        the statement names this image (its id = the sha256 of its config)
 *   sbom           the image's SBOM file has the digest its label and the provenance record
 *   sbom-packages  the SBOM lists exactly the packages of the image's /var/db/pkg
 */
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { Engine, ImageInfo } from '../engine/types.ts';
import { BinfarmError } from '../errors.ts';
import { DOCKER_HUB, parseImageRef } from '../engine/reference.ts';
import { attestationTag, fetchAttestation, type Attestation } from '../provenance/attestation.ts';
import { clientFor } from '../provenance/push-provenance.ts';
import { checkStatementSignature, type TrustedKeys } from '../provenance/sign.ts';
import { parseStatement, sbomDigestOf, subjectDigests, type Statement } from '../provenance/statement.ts';
import { localAttestationPath, readLocalAttestation } from '../provenance/store.ts';
import { installedPackagesOf, readImageSbom, SBOM_DIGEST_LABEL, SBOM_LABEL, SBOM_PATH, sha256Of, withImageContainer } from '../sbom/image-sbom.ts';
import type { SpdxDocument } from '../sbom/spdx.ts';
import { compareSbom } from './sbom-match.ts';

export type CheckName = 'provenance' | 'signature' | 'subject' | 'sbom' | 'sbom-packages';

export interface VerifyCheck {
  check: CheckName;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  image: string;
  imageId: string;
  manifestDigest?: string;
  checks: VerifyCheck[];
  ok: boolean;
}

export interface VerifyImageOptions {
  engine: Engine;
  ref: string;
  keys: TrustedKeys;
  /** For registry credentials (registry.username/password). */
  options?: Pick<BinfarmOptions, 'registry'>;
  /** Where local attestations are (a local image). */
  stateDir?: string;
}

interface Located {
  info: ImageInfo;
  manifestDigest?: string;
  attestation: Attestation | undefined;
  where: string;
}

async function locate(o: VerifyImageOptions): Promise<Located> {
  const parsed = parseImageRef(o.ref);
  if (parsed.registry !== DOCKER_HUB) {
    const { client, repo } = await clientFor(o.ref, o.options);
    const m = await client.getManifest(repo, parsed.digest ?? parsed.tag ?? 'latest');
    if (!m)
      throw new BinfarmError('E_IMAGE_NOT_FOUND', `registry ${parsed.registry} has no ${o.ref}`, {
        hint: 'Check the repository and tag (binfarm run --publish pushes them).',
      });
    // Pulled by digest: the content checked below is the content the registry serves under that manifest.
    const info = await o.engine.pull(`${parsed.registry}/${repo}@${m.digest}`);
    return {
      info,
      manifestDigest: m.digest,
      attestation: await fetchAttestation(client, repo, m.digest),
      where: `${parsed.registry}/${repo}:${attestationTag(m.digest)}`,
    };
  }
  const info = await o.engine.inspectImage(o.ref);
  if (!info)
    throw new BinfarmError('E_IMAGE_NOT_FOUND', `no image ${o.ref} in ${o.engine.host}`, {
      hint: 'Name a local image, or a pushed one as <registry>/<repo>:<tag>.',
    });
  const attestation = o.stateDir ? await readLocalAttestation(o.stateDir, info.id) : undefined;
  return { info, attestation, where: o.stateDir ? localAttestationPath(o.stateDir, info.id) : '(no state dir: run inside the farm that built it)' };
}

export async function verifyImage(o: VerifyImageOptions): Promise<VerifyReport> {
  const { info, manifestDigest, attestation, where } = await locate(o);
  const checks: VerifyCheck[] = [];
  const add = (check: CheckName, ok: boolean, detail: string) => checks.push({ check, ok, detail });

  let statement: Statement | undefined;
  if (!attestation) add('provenance', false, `no provenance for ${info.id} at ${where}`);
  else {
    try {
      statement = parseStatement(attestation.statement, where);
      const run = statement.predicate.runDetails.metadata?.invocationId;
      add('provenance', true, `${where}${run ? `, run ${run}` : ''}`);
    } catch (e) {
      add('provenance', false, (e as Error).message);
    }
    if (!attestation.signature) add('signature', false, `the provenance at ${where} is not signed`);
    else {
      const sig = await checkStatementSignature(attestation.statement, attestation.signature, o.keys);
      add('signature', sig.ok, sig.detail);
    }
  }
  if (statement) {
    const named = subjectDigests(statement);
    add(
      'subject',
      named.includes(info.id),
      named.includes(info.id) ? `the provenance names ${info.id}` : `the provenance names ${named.join(', ') || 'no digest'}, not this image ${info.id}`,
    );
  }

  await withImageContainer(o.engine, info.id, async (c) => {
    const path = info.labels[SBOM_LABEL] || SBOM_PATH;
    const bytes = await readImageSbom(c, path);
    if (!bytes) {
      add('sbom', false, `the image has no SBOM at ${path}${info.labels[SBOM_LABEL] ? '' : ` (and no ${SBOM_LABEL} label)`}`);
      return;
    }
    const digest = sha256Of(bytes);
    const recorded = statement ? sbomDigestOf(statement) : undefined;
    const problems = [
      ...(info.labels[SBOM_DIGEST_LABEL] !== digest ? [`its label ${SBOM_DIGEST_LABEL} says ${info.labels[SBOM_DIGEST_LABEL] || '(none)'}`] : []),
      ...(statement && recorded !== digest ? [`the provenance records ${recorded ?? 'no SBOM'}`] : []),
    ];
    add('sbom', !problems.length, problems.length ? `${path} has digest ${digest}, but ${problems.join(' and ')}` : `${path} (${digest})`);
    let doc: SpdxDocument;
    try {
      doc = JSON.parse(bytes.toString('utf8')) as SpdxDocument;
    } catch (e) {
      add('sbom-packages', false, `${path} is not JSON: ${(e as Error).message}`);
      return;
    }
    const installed = await installedPackagesOf(c);
    const diff = compareSbom(doc, installed);
    const few = (xs: string[]) => `${xs.slice(0, 5).join('; ')}${xs.length > 5 ? ` and ${xs.length - 5} more` : ''}`;
    if (!diff.missing.length && !diff.extra.length) add('sbom-packages', true, `${installed.length} packages, as in /var/db/pkg`);
    else {
      const parts = [
        ...(diff.missing.length ? [`installed but not in the SBOM: ${few(diff.missing)}`] : []),
        ...(diff.extra.length ? [`in the SBOM but not installed: ${few(diff.extra)}`] : []),
      ];
      add('sbom-packages', false, parts.join('; '));
    }
  });
  return {
    image: o.ref,
    imageId: info.id,
    ...(manifestDigest ? { manifestDigest } : {}),
    checks,
    ok: checks.every((c) => c.ok) && checks.some((c) => c.check === 'signature'),
  };
}
