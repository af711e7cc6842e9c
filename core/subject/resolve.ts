import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import { isValidated } from '../config/validated.ts';
import { isBuiltinName } from '../builtin-taps.ts';
import { subjectSchemas } from './spec-check.ts';
import { formatZodIssues } from '../config/format-issues.ts';
import { didYouMean } from '../config/suggest.ts';
import { BASE_SUBJECT, type Subject, type SubjectSpec } from './types.ts';

/**
 * Collects the subjects of a farm: the base (from `base:`), the config's `subjects:`, then
 * whatever plugins add through `hooks.subjects`. Each is validated; an error names the
 * plugin that contributed the subject.
 */
export function resolveSubjects(farm: FarmContext): Map<string, Subject> {
  const o = farm.options;
  if (BASE_SUBJECT in o.subjects) {
    throw new BinfarmError('E_SUBJECT', `"subjects.${BASE_SUBJECT}" is reserved for the stage3-derived base image`, {
      hint: 'Configure the base under the top-level "base:" key.',
    });
  }
  const initial: Record<string, SubjectSpec> = {
    [BASE_SUBJECT]: {
      parent: null,
      description: 'the factory image built from the stage3',
      sets: o.base.sets,
      overlays: o.base.overlays,
      ...(o.base.portage ? { portage: o.base.portage } : {}),
      smoke: o.base.smoke,
      ...(o.base.resources ? { resources: o.base.resources } : {}),
      ...(o.base.placement ? { placement: o.base.placement } : {}),
      contributedBy: 'config',
    },
  };
  for (const [name, spec] of Object.entries(o.subjects)) initial[name] = { ...spec, contributedBy: spec.contributedBy ?? 'config' };

  const specs = farm.hooks.subjects.call(initial);
  const trusted = configOnly(farm);
  const schemas = trusted ? undefined : subjectSchemas();
  if (!trusted && !schemas) {
    throw new Error('the subject schemas are not loaded: import core/config/schema/subject.ts before farm.subjects() (core/subject/spec-check.ts)');
  }
  const out = new Map<string, Subject>();
  for (const [name, raw] of Object.entries(specs)) {
    const by = raw?.contributedBy ?? 'a plugin';
    // a copy, as zod's output is one: the subject never shares objects with the options
    let spec = trusted ? structuredClone(raw) : raw;
    if (schemas) {
      const nameOk = schemas.name.safeParse(name);
      if (!nameOk.success) {
        throw new BinfarmError('E_SUBJECT', `subject name "${name}" (from ${by}) is invalid: ${nameOk.error.issues[0]?.message}`);
      }
      const parsed = schemas.spec.safeParse(raw);
      if (!parsed.success) {
        throw new BinfarmError('E_SUBJECT', `subject "${name}" (from ${by}) is invalid:\n${formatZodIssues(parsed.error.issues, `subjects.${name}`)}`);
      }
      spec = parsed.data as SubjectSpec;
    }
    const parent = name === BASE_SUBJECT ? null : (spec.parent ?? BASE_SUBJECT);
    out.set(name, {
      ...spec,
      name,
      parent,
      sets: spec.sets ?? {},
      overlays: spec.overlays ?? [],
      smoke: spec.smoke ?? [],
    });
  }
  for (const s of out.values()) {
    if (s.parent !== null && !out.has(s.parent)) {
      const by = s.contributedBy && s.contributedBy !== 'config' ? ` (contributed by plugin "${s.contributedBy}")` : '';
      throw new BinfarmError('E_SUBJECT', `subject "${s.name}"${by} has unknown parent "${s.parent}"${didYouMean(s.parent, [...out.keys()])}`, {
        hint: `Known subjects: ${[...out.keys()].join(', ')}.`,
      });
    }
  }
  return out;
}

/**
 * Whether every subject is the config's own, as validated: the options came out of the config
 * schema (whose `subjects` and `base` use the same subject schemas), no user plugin was applied
 * (one could change the options in apply) and nothing taps hooks.subjects (interceptors, such as
 * core/tap-wrap.ts's, change nothing). Then checking them again would apply the same schemas to
 * their own output, and zod need not load (docs/internals/startup.md).
 */
function configOnly(farm: FarmContext): boolean {
  return isValidated(farm.options) && farm.hooks.subjects.taps.length === 0 && farm.plugins.every((p) => isBuiltinName(p.name));
}

/** Whether resolveSubjects will need the subject schemas (core/subject/spec-check.ts). */
export function needsSubjectSchemas(farm: FarmContext): boolean {
  return !configOnly(farm);
}
