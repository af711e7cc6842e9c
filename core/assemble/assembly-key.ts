/** An assembly's content key: what its image is made of (an unchanged key finds the image again). */
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { sha256, stableStringify } from '../util/hash.ts';
import type { MergeEntry } from './pretend-output.ts';
import type { AssemblyBase } from './resolve-from.ts';
import type { AssemblySpec } from './spec.ts';

/** Content key of an assembly: what its image is made of. */
export function assemblyKey(base: AssemblyBase, spec: AssemblySpec, merges: MergeEntry[]): string {
  return sha256(
    stableStringify({
      v: 1,
      from: base.image.id,
      with: spec.with.map((i) => i.text),
      runtime: spec.runtime.map((i) => i.text),
      slim: spec.slim,
      labels: spec.labels,
      merges: merges.map((m) => `${m.type} ${displayMerge(m)}::${m.repo ?? ''}`),
      ...(spec.via === 'emerge' ? { via: 'emerge' } : {}),
      binfarm: binfarmVersion(),
    }),
  );
}

/** `cat/pf-<build id>` of a merged package, as the result, the labels and the key name it. */
export const displayMerge = (m: MergeEntry) => `${m.cpv}${m.buildId ? `-${m.buildId}` : ''}`;
