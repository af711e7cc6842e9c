/**
 * Provenance in the registry, next to the image. Distribution 2.8 has no referrers API, so the
 * attestation is found by a tag derived from the image's manifest digest, as cosign does:
 * `<repo>:sha256-<hex>.att`. It is an OCI image manifest whose layers are the statement
 * (`application/vnd.in-toto+json`) and its armoured detached signature
 * (`application/pgp-signature`), with the empty config of OCI artifacts.
 */
import { BinfarmError } from '../errors.ts';
import type { RegistryClient } from './registry-client.ts';

export const STATEMENT_MEDIA_TYPE = 'application/vnd.in-toto+json';
export const SIGNATURE_MEDIA_TYPE = 'application/pgp-signature';
export const ARTIFACT_TYPE = 'application/vnd.binfarm.provenance.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';

export function attestationTag(manifestDigest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(manifestDigest);
  if (!m) throw new BinfarmError('E_PROVENANCE', `not a sha256 manifest digest: ${manifestDigest}`);
  return `sha256-${m[1]}.att`;
}

export interface Attestation {
  statement: string;
  /** Armoured detached signature over the statement's bytes; absent when the farm has no signing key. */
  signature?: string;
}

/** Pushes the attestation of the image with manifest `manifestDigest` in `repo`; returns its reference. */
export async function pushAttestation(client: RegistryClient, repo: string, manifestDigest: string, a: Attestation): Promise<string> {
  const layers: Array<{ mediaType: string; bytes: Buffer }> = [{ mediaType: STATEMENT_MEDIA_TYPE, bytes: Buffer.from(a.statement) }];
  if (a.signature) layers.push({ mediaType: SIGNATURE_MEDIA_TYPE, bytes: Buffer.from(a.signature) });
  const config = Buffer.from('{}');
  const configDigest = await client.putBlob(repo, config);
  const descriptors = [];
  for (const l of layers) descriptors.push({ mediaType: l.mediaType, digest: await client.putBlob(repo, l.bytes), size: l.bytes.length });
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: ARTIFACT_TYPE,
    config: { mediaType: EMPTY_CONFIG, digest: configDigest, size: config.length },
    layers: descriptors,
    annotations: { 'binfarm.attestation.subject': manifestDigest },
  };
  const tag = attestationTag(manifestDigest);
  await client.putManifest(repo, tag, JSON.stringify(manifest), OCI_MANIFEST);
  return `${client.host}/${repo}:${tag}`;
}

/** The attestation of an image, or undefined when the registry has none under its tag. */
export async function fetchAttestation(client: RegistryClient, repo: string, manifestDigest: string): Promise<Attestation | undefined> {
  const m = await client.getManifest(repo, attestationTag(manifestDigest));
  if (!m) return undefined;
  let layers: Array<{ mediaType?: string; digest?: string }>;
  try {
    layers = (JSON.parse(m.body.toString('utf8')) as { layers?: typeof layers }).layers ?? [];
  } catch (e) {
    throw new BinfarmError('E_PROVENANCE', `${client.host}/${repo}:${attestationTag(manifestDigest)} is not a JSON manifest`, { cause: e });
  }
  const blob = async (type: string) => {
    const d = layers.find((l) => l.mediaType === type)?.digest;
    return d ? (await client.getBlob(repo, d)).toString('utf8') : undefined;
  };
  const statement = await blob(STATEMENT_MEDIA_TYPE);
  if (statement === undefined)
    throw new BinfarmError('E_PROVENANCE', `${client.host}/${repo}:${attestationTag(manifestDigest)} holds no ${STATEMENT_MEDIA_TYPE} layer`);
  const signature = await blob(SIGNATURE_MEDIA_TYPE);
  return { statement, ...(signature ? { signature } : {}) };
}
