import type { FarmContext, PhaseClaim } from '../types.ts';
import { isBuiltinTap } from '../builtin-taps.ts';
import { wrapTaps } from '../tap-wrap.ts';
import { PHASES, type PhaseName, type PhaseRecord } from './context.ts';

/**
 * Which tap claimed a phase. Phase hooks are bail hooks: the first tap returning a value
 * ends the phase. A register interceptor wraps every tap (present and future) to note, per
 * build object, the name of the tap that returned a value; concurrent subjects do not mix
 * because the key is the build passed to the hook.
 */
const claims = new WeakMap<object, Map<PhaseName, { name: string; builtin: boolean }>>();
const builtinNotes = new WeakMap<object, Map<PhaseName, Exclude<PhaseClaim, undefined | void | true>>>();
const instrumented = new WeakSet<object>();

/**
 * A built-in phase tap's value (core/builtin-taps.ts says which taps are built-in) is a note, not
 * a claim: it is recorded and turned into `undefined`, so taps at a later stage (a user's "after"
 * wrapper) still run after the built-in.
 */
export function instrumentPhaseHooks(farm: FarmContext): void {
  if (instrumented.has(farm.hooks)) return;
  instrumented.add(farm.hooks);
  for (const phase of PHASES) {
    wrapTaps(farm.hooks[phase], (tap) => {
      const builtin = isBuiltinTap(tap);
      return {
        after([build]: unknown[], result: unknown) {
          if (!build || typeof build !== 'object') return result;
          if (builtin && result !== undefined && result !== true) {
            let m = builtinNotes.get(build);
            if (!m) builtinNotes.set(build, (m = new Map()));
            m.set(phase, result as Exclude<PhaseClaim, undefined | void | true>);
            return undefined;
          }
          if (result !== undefined) {
            let m = claims.get(build);
            if (!m) claims.set(build, (m = new Map()));
            m.set(phase, { name: tap.name, builtin });
          }
          return result;
        },
      };
    });
  }
}

/** The record of a finished phase from what its hook returned. */
export function phaseRecord(farm: FarmContext, build: object, phase: PhaseName, result: PhaseClaim, ms: number): PhaseRecord {
  if (result === undefined) {
    if (!farm.hooks[phase].isUsed() || farm.hooks[phase].taps.length === 0) {
      return { phase, status: 'skipped', ms, note: 'no plugin handles this phase' };
    }
    const builtin = builtinNotes.get(build)?.get(phase);
    if (typeof builtin === 'string') return { phase, status: 'done', ms, note: builtin };
    if (builtin && 'skipped' in builtin) return { phase, status: 'skipped', ms, note: builtin.skipped };
    return { phase, status: 'done', ms };
  }
  const { name: by, builtin } = claims.get(build)?.get(phase) ?? { name: 'unknown', builtin: false };
  if (typeof result === 'object' && result !== null && 'skipped' in result) {
    return { phase, status: 'skipped', ms, note: result.skipped, ...(builtin ? {} : { by }) };
  }
  const note = typeof result === 'string' ? result : undefined;
  if (builtin) return { phase, status: 'done', ms, ...(note ? { note } : {}) };
  return { phase, status: 'claimed', by, ms, ...(note ? { note } : {}) };
}
