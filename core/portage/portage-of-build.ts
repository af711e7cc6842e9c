/**
 * The Portage model of a build (its /etc/portage and make.conf), rendered ONCE per build and
 * kept on it as `build.portage`. The re-key hashes `build.portage.files` and applyPatches applies
 * the same Map into the build container, so what was hashed is what was applied by construction;
 * the binhost partition comes from the same model. A build whose subject the plan rendered starts
 * with the plan's rendering (core/run/subject-build.ts), so a built subject is rendered once per
 * run and the `portageModel` hook (the hep rule check among its taps) runs once for it.
 */
import type { PortageContext } from '../types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { renderSubject } from './render-subject.ts';

export type BuildPortage = NonNullable<SubjectBuild['portage']>;

/** Memoised render while it runs, so two steps asking at once do not render twice. */
const RENDERING = 'binfarm:portage-rendering';

export async function portageOfBuild(build: SubjectBuild, farm: PortageContext): Promise<BuildPortage> {
  if (build.portage) return build.portage;
  let rendering = build.data.get(RENDERING) as Promise<BuildPortage> | undefined;
  if (!rendering) {
    rendering = renderSubject(farm, build.subject);
    build.data.set(RENDERING, rendering);
  }
  try {
    const rendered = await rendering;
    // A step that set build.portage while this one waited keeps its own (the first one set wins).
    build.portage ??= rendered;
    return build.portage;
  } finally {
    build.data.delete(RENDERING);
  }
}
