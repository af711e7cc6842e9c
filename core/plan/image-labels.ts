/**
 * Labels on subject images. `binfarm.key` is how a run finds an up-to-date image; the package
 * labels let a run check the binpkgs even when the state directory was lost.
 * An image is committed *pending* (`binfarm.pending-key`, empty `binfarm.key`) and promoted only
 * after its smoke tests passed (core/package/promote-image.ts): `binfarm.key` and the passed mark
 * `binfarm.tested`, both the key. Only `trustedKey` decides whether an image counts.
 */
export const IMAGE_LABEL = {
  owned: 'binfarm.owned',
  key: 'binfarm.key',
  parent: 'binfarm.parent',
  subject: 'binfarm.subject',
  version: 'binfarm.version',
  portageVersion: 'binfarm.portage-version',
  /** `cat/pf` of every package emerged for the subject, space-separated. */
  packages: 'binfarm.packages',
  /** The binpkg files of those packages, relative to the partition (Packages PATH values). */
  binpkgs: 'binfarm.binpkgs',
  /** Partition path relative to the binhost root. */
  partition: 'binfarm.partition',
  /** Run that built the image (not `binfarm.run`: run cleanup must never match an image). */
  builtBy: 'binfarm.built-by-run',
  /** Key of a committed image whose smoke tests have not (yet) passed; emptied on promotion. */
  pendingKey: 'binfarm.pending-key',
  /** The passed mark: the key the smoke tests passed for (or that had none to run). */
  tested: 'binfarm.tested',
  /** Only on a swarm job image (core/executor/swarm/job-image.ts): the run it was made for; what nodes prune by (docs/scale-out.md). */
  job: 'binfarm.job',
} as const;

/**
 * The key an image counts for, or undefined. Both labels carry the key because an image inherits
 * its parent image's labels: a child's pending image still holds its parent's mark, bound to the
 * parent's key. An image with a key but no mark (an older binfarm, or a crash before promotion)
 * counts only where the state file vouches for it (core/plan/trusted-images.ts).
 */
export function trustedKey(labels: Record<string, string>): string | undefined {
  const key = labels[IMAGE_LABEL.key];
  return key && labels[IMAGE_LABEL.tested] === key ? key : undefined;
}

export function splitList(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter(Boolean) : [];
}
