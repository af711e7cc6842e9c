/**
 * How an image was made, as an in-toto Statement v1 (https://in-toto.io/Statement/v1) with a SLSA
 * provenance v1 predicate (https://slsa.dev/provenance/v1). The subject is the image by its
 * image id (the sha256 of its config, which names its layers and labels and is the same after a
 * push and a pull); the predicate records binfarm's version, the config file's digest, the stage3
 * and tree digests, the content key, the parent image, the SBOM, the run id and the time.
 * Serialized with a fixed key order, so the signed bytes are what a reader re-serializes.
 */
import { BinfarmError } from '../errors.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const BUILD_TYPE = 'https://binfarm.invalid/image/v1';
export const BUILDER_ID = 'https://binfarm.invalid/builder';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicateType: typeof SLSA_PROVENANCE_V1;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: { kind: 'subject' | 'assembled'; name: string; config?: ResourceDescriptor };
      internalParameters: { contentKey?: string; binfarmVersion: string };
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string; version: Record<string, string> };
      metadata: { invocationId: string; startedOn?: string; finishedOn: string };
      byproducts: ResourceDescriptor[];
    };
  };
}

export interface ProvenanceFacts {
  kind: 'subject' | 'assembled';
  /** Image repository (`<prefix>/<subject>`). */
  name: string;
  /** The image id, `sha256:<hex>`. */
  imageId: string;
  binfarmVersion: string;
  config?: { path: string; digest: string };
  stage3Digest?: string;
  treeDigest?: string;
  contentKey?: string;
  parent?: { ref: string; digest: string };
  sbom?: { path: string; digest: string };
  runId: string;
  startedOn?: string;
  finishedOn: string;
}

/** `sha256:<hex>` → `{ sha256: '<hex>' }`; a value without an algorithm is recorded as it is under `binfarm`. */
export function digestSet(d: string): Record<string, string> {
  const m = /^([a-z0-9]+):([0-9a-f]+)$/.exec(d);
  return m ? { [m[1]!]: m[2]! } : { binfarm: d };
}

export function buildStatement(f: ProvenanceFacts): Statement {
  const deps: ResourceDescriptor[] = [];
  if (f.stage3Digest) deps.push({ name: 'stage3', digest: digestSet(f.stage3Digest) });
  if (f.treeDigest) deps.push({ name: 'tree', digest: digestSet(f.treeDigest) });
  if (f.parent) deps.push({ name: 'parent-image', uri: `docker-image:${f.parent.ref}`, digest: digestSet(f.parent.digest) });
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: f.name, digest: digestSet(f.imageId) }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          kind: f.kind,
          name: f.name,
          ...(f.config ? { config: { uri: `file:${f.config.path}`, digest: digestSet(f.config.digest) } } : {}),
        },
        internalParameters: { ...(f.contentKey ? { contentKey: f.contentKey } : {}), binfarmVersion: f.binfarmVersion },
        resolvedDependencies: deps,
      },
      runDetails: {
        builder: { id: BUILDER_ID, version: { binfarm: f.binfarmVersion } },
        metadata: { invocationId: f.runId, ...(f.startedOn ? { startedOn: f.startedOn } : {}), finishedOn: f.finishedOn },
        byproducts: f.sbom ? [{ name: 'sbom', uri: `file:${f.sbom.path}`, digest: digestSet(f.sbom.digest) }] : [],
      },
    },
  };
}

export function serializeStatement(s: Statement): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** Parses and checks the shape (not the signature): what `verify` relies on. */
export function parseStatement(text: string, where: string): Statement {
  let s: Statement;
  try {
    s = JSON.parse(text) as Statement;
  } catch (e) {
    throw new BinfarmError('E_PROVENANCE', `${where} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (s?._type !== STATEMENT_TYPE || s.predicateType !== SLSA_PROVENANCE_V1 || !Array.isArray(s.subject) || !s.predicate?.runDetails) {
    throw new BinfarmError('E_PROVENANCE', `${where} is not an in-toto Statement v1 with a SLSA provenance v1 predicate`);
  }
  return s;
}

/** The `sha256:<hex>` digests the statement names for its subjects. */
export function subjectDigests(s: Statement): string[] {
  return s.subject.flatMap((x) => Object.entries(x.digest ?? {}).map(([alg, hex]) => `${alg}:${hex}`));
}

/** The SBOM digest recorded among the byproducts. */
export function sbomDigestOf(s: Statement): string | undefined {
  const b = s.predicate.runDetails.byproducts?.find((x) => x.name === 'sbom');
  const sha = b?.digest?.sha256;
  return sha ? `sha256:${sha}` : undefined;
}
