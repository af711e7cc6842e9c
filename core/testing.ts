/**
 * What a plugin's tests import from 'binfarm' (docs/plugins.md, "Testing it"): the Portage model
 * and rendered /etc/portage of a subject, made by the model builder and renderer `binfarm run`,
 * `plan` and `render` use, after every hook. The renderer loads on the first call: every config
 * imports 'binfarm', and loading a config renders nothing.
 */
import type { Farm } from './farm.ts';
import type { PortageModel } from './portage/model.ts';
import type { Subject } from './subject/types.ts';

export interface RenderedSubject {
  model: PortageModel;
  /** Path (relative to /etc/portage, or absolute) → content, e.g. `package.use/52-hep-root`, `sets/hep-root`. */
  files: Map<string, string>;
}

export async function renderSubject(farm: Farm, subject: Subject | string): Promise<RenderedSubject> {
  const { renderSubject: render } = await import('./portage/render-subject.ts');
  return render(farm, subject);
}
