/**
 * Labels on assembled images. They say what the image was made from and of, so `docker inspect`
 * answers "which binpkgs are in this image" without binfarm, and an assembly whose inputs did not
 * change finds its image again (`binfarm.assembly-key`). Subject-image labels such as
 * `binfarm.key` are deliberately not used: the planner looks subject images up by them.
 */
import type { IndexBlock } from '../binhost/packages-index.ts';
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { IMAGE_LABEL } from '../plan/image-labels.ts';
import { displayMerge } from './assembly-key.ts';
import type { CheckResult } from './check-binpkgs.ts';
import { mergedEntries } from './linkage.ts';
import type { AssemblyBase } from './resolve-from.ts';
import type { AssemblySpec } from './spec.ts';

export const ASSEMBLY_LABEL = {
  owned: IMAGE_LABEL.owned,
  /** The assembly name (`binfarm assemble <name>`). */
  assembly: 'binfarm.assembly',
  /** Content key: from-image id, the exact binpkgs merged, the request, slim, labels, binfarm version. */
  key: 'binfarm.assembly-key',
  /** The subject it was assembled from. */
  from: 'binfarm.assembled-from',
  /** `<ref>@<image id>` of that subject's image. */
  fromImage: 'binfarm.assembled-from-image',
  /** The requested sets and atoms, space-separated, as given. */
  with: 'binfarm.with',
  /** `cat/pf-<build id>` of every package merged, space-separated, in merge order. */
  packages: IMAGE_LABEL.packages,
  /** Their binpkg files, relative to the partition (Packages PATH values). */
  binpkgs: IMAGE_LABEL.binpkgs,
  partition: IMAGE_LABEL.partition,
  /** `true` for a slim runtime image (ROOT only, no Portage, no toolchain). */
  slim: 'binfarm.slim',
  version: IMAGE_LABEL.version,
  builtBy: IMAGE_LABEL.builtBy,
  /** `direct` when binfarm wrote the image from the binpkgs (docs/assemble.md#direct); absent when emerge merged them. */
  via: 'binfarm.assembled-via',
} as const;

/**
 * What every assembled image says about itself, however it was made (make-image.ts for emerge's
 * path, direct-step.ts for the direct writer); each path adds only its own (who built it and
 * when, or `via`).
 */
export function assemblyLabels(spec: AssemblySpec, base: AssemblyBase, check: CheckResult, index: IndexBlock[], key: string): Record<string, string> {
  return {
    ...spec.labels,
    [ASSEMBLY_LABEL.owned]: '1',
    [ASSEMBLY_LABEL.assembly]: spec.name,
    [ASSEMBLY_LABEL.key]: key,
    [ASSEMBLY_LABEL.from]: spec.from,
    [ASSEMBLY_LABEL.fromImage]: `${base.image.ref}@${base.image.id}`,
    [ASSEMBLY_LABEL.with]: [...spec.with, ...spec.runtime].map((i) => i.text).join(' '),
    [ASSEMBLY_LABEL.packages]: check.merges.map(displayMerge).join(' '),
    [ASSEMBLY_LABEL.binpkgs]: mergedEntries(index, check.merges)
      .map((p) => p.PATH)
      .filter(Boolean)
      .join(' '),
    [ASSEMBLY_LABEL.partition]: base.partition.rel,
    [ASSEMBLY_LABEL.slim]: String(spec.slim),
    [ASSEMBLY_LABEL.version]: binfarmVersion(),
    ...(spec.slim ? {} : { 'org.opencontainers.image.base.name': base.image.ref }),
  };
}
