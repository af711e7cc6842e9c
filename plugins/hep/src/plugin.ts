import { BinfarmError, STAGE_LAST, type Farm, type Plugin, type Subject } from 'binfarm';
import { parseHepOptions, type HepOptions, type HepOptionsInput } from './options.ts';
import { resolveHep, type HepResolution } from './resolve.ts';
import { checkPackageRules, optionViolation, ruleError } from './rules.ts';
import { viewFromModel } from './use-view.ts';

export const PLUGIN_NAME = 'hep';
export const PLUGIN_VERSION = '0.1.0';

export interface HepPlugin extends Plugin {
  readonly options: HepOptions;
  /** The resolved layers, variants and subject specs (what `apply` contributes). */
  readonly resolution: HepResolution;
}

/**
 * The HEP subject as a plugin: contributes one subject per chosen layer through
 * `hooks.subjects`, and re-checks the HEP rules on every subject's finished Portage model
 * (`hooks.portageModel`, late stage), so an atom hook of another plugin cannot break them
 * silently. Options are validated and the rules checked when `hep()` is called.
 */
export function hep(input: HepOptionsInput = {}): HepPlugin {
  const options = parseHepOptions(input);
  const resolution = resolveHep(options, PLUGIN_NAME);
  return {
    name: PLUGIN_NAME,
    version: PLUGIN_VERSION,
    options,
    resolution,
    apply(farm: Farm) {
      const scienceLayers = resolution.layers.filter((l) => Object.keys(resolution.subjects[l]?.sets ?? {}).some((set) => set.endsWith('-science')));
      if (scienceLayers.length && !farm.options.overlays.some((o) => o.name === 'science')) {
        throw ruleError([
          optionViolation(
            'science-overlay',
            scienceLayers[0]!,
            `science: true adds ::science packages to ${scienceLayers.join(', ')}, but the config has no overlay named "science"`,
          ),
        ]);
      }
      farm.hooks.subjects.tap(PLUGIN_NAME, (subjects) => {
        for (const [name, spec] of Object.entries(resolution.subjects)) {
          const existing = subjects[name];
          if (existing) {
            throw new BinfarmError('E_SUBJECT', `subject "${name}" is defined twice: by ${existing.contributedBy ?? 'the config'} and by the hep plugin`, {
              hint: `Rename the other subject, or leave "${name}" out of hep({ layers }).`,
            });
          }
          subjects[name] = structuredClone(spec);
        }
        return subjects;
      });
      farm.hooks.portageModel.tapPromise({ name: PLUGIN_NAME, stage: STAGE_LAST }, async (model, ctx) => {
        if (!standsOnHep(farm, ctx.subject, resolution)) return model;
        const violations = checkPackageRules(viewFromModel(ctx.subject.name, model));
        if (violations.length) throw ruleError(violations);
        return model;
      });
    },
  };
}

/** Is the subject a HEP layer or built on one (a group's layer on top of analysis, say)? */
function standsOnHep(farm: Farm, subject: Subject, resolution: HepResolution): boolean {
  const all = farm.subjects();
  const seen = new Set<string>();
  for (let cur: Subject | undefined = subject; cur && !seen.has(cur.name); cur = cur.parent ? all.get(cur.parent) : undefined) {
    seen.add(cur.name);
    if (cur.contributedBy === PLUGIN_NAME && (resolution.layers as string[]).includes(cur.name)) return true;
  }
  return false;
}
