import { z } from 'zod';

/** Where the base image comes from (issue #4 §2). */
export const Stage3SourceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('registry'),
    /** e.g. `gentoo/stage3:amd64-openrc-20261123`. */
    image: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('tarball'),
    /** URL (http/https/file) or path of the stage3 tarball. */
    src: z.string().min(1),
    /** URL or path of the `.DIGESTS` or `.sha256` file; defaults to `<src>.DIGESTS`. */
    digests: z.string().optional(),
    /** URL or path of the `.asc` signature; defaults to `<src>.asc` when `gpgKey` is set. */
    signature: z.string().optional(),
    /** Armoured public key file (or fingerprint present in the keyring) that must have signed it. */
    gpgKey: z.string().optional(),
    /** Fail when no signature can be verified. */
    requireSignature: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('local'),
    /** A local image name or id. */
    image: z.string().min(1),
  }),
]);

/**
 * Where a repository already is on every swarm node (CVMFS, a shared mount), for any tree source:
 * jobs bind it read-only instead of a filled volume (docs/scale-out.md#a-tree-every-node-already-has).
 * Not part of what the tree is: its digest still comes from the source binfarm reads.
 */
const NodeTreeKeys = {
  /** Absolute path of this same snapshot on every node. */
  nodePath: z.string().regex(/^\/./, 'an absolute path on the nodes, e.g. "/cvmfs/sft.example.org/gentoo"').optional(),
  /** A file of the repository (relative path) a job compares with binfarm's copy before it builds; default metadata/timestamp.{chk,x,commit}. */
  nodeMarker: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$)).+$/, 'a path relative to the repository, e.g. "metadata/timestamp.chk"')
    .optional(),
};

/** Where the ebuild tree comes from (issue #4 §3). */
export const TreeSourceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('image'), image: z.string().min(1), path: z.string().default('/var/db/repos/gentoo'), ...NodeTreeKeys }),
  z.strictObject({
    type: z.literal('snapshot'),
    src: z.string().min(1),
    md5sum: z.string().optional(),
    sha512: z.string().optional(),
    signature: z.string().optional(),
    gpgKey: z.string().optional(),
    ...NodeTreeKeys,
  }),
  z.strictObject({ type: z.literal('sqfs'), src: z.string().min(1), sha512: z.string().optional(), ...NodeTreeKeys }),
  z.strictObject({ type: z.literal('dir'), path: z.string().min(1), ...NodeTreeKeys }),
  z.strictObject({ type: z.literal('git'), path: z.string().min(1), ref: z.string().default('HEAD'), ...NodeTreeKeys }),
]);

export const OverlaySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_-]*$/, 'repository names use letters, digits, "_" and "-"'),
  source: TreeSourceSchema,
  priority: z.number().int().optional(),
  masters: z.array(z.string()).optional(),
});

/** `auto`, a built-in (squashfs, volume, bind, copy) or one a plugin registers; looked up when the tree is mounted. */
export const MountStrategyNameSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a mount strategy name: auto, squashfs, volume, bind, copy, or one a plugin registers');

export const DockerSchema = z.strictObject({
  /** Overrides DOCKER_HOST. */
  host: z.string().optional(),
  /** TLS material for tcp:// hosts. */
  tls: z.strictObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional() }).optional(),
  /** For ssh:// hosts: the private key file (else ~/.ssh/id_* and ssh-agent) and the known_hosts file (else ~/.ssh/known_hosts). */
  ssh: z.strictObject({ identity: z.string().min(1).optional(), knownHosts: z.string().min(1).optional() }).optional(),
  /** Minimum Docker Engine API version. */
  minApiVersion: z.string().default('1.41'),
});
