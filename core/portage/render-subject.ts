import type { PortageContext } from '../types.ts';
import type { Subject } from '../subject/types.ts';
import { buildPortageModel } from './build-model.ts';
import type { PortageModel } from './model.ts';
import { renderPortage } from './render/index.ts';

/**
 * The model and rendered files of a subject, after the `renderedFiles` hook: what the
 * applyPatches phase writes, what `binfarm render` prints and what content keys hash.
 */
export async function renderSubject(farm: PortageContext, subjectOrName: Subject | string): Promise<{ model: PortageModel; files: Map<string, string> }> {
  const subject = typeof subjectOrName === 'string' ? farm.subject(subjectOrName) : subjectOrName;
  const model = await buildPortageModel(farm, subject);
  const files = farm.hooks.renderedFiles.call(renderPortage(model), { subject, options: farm.options });
  return { model, files };
}
