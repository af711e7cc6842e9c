/**
 * Labels on subject images. `binfarm.key` is how a run finds an up-to-date image; the package
 * labels let a run check the binpkgs even when the state directory was lost.
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
} as const;

export function splitList(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter(Boolean) : [];
}
