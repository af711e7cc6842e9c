import type { FarmContext } from '../types.ts';
import type { PhaseClaim } from '../hooks.ts';
import { PHASES, type PhaseName, type PhaseRecord } from './context.ts';

/**
 * Which tap claimed a phase. Phase hooks are bail hooks: the first tap returning a value
 * ends the phase. A register interceptor wraps every tap (present and future) to note, per
 * build object, the name of the tap that returned a value; concurrent subjects do not mix
 * because the key is the build passed to the hook.
 */
const claims = new WeakMap<object, Map<PhaseName, string>>();
const builtinNotes = new WeakMap<object, Map<PhaseName, Exclude<PhaseClaim, undefined | void | true>>>();
const instrumented = new WeakSet<FarmContext>();

/**
 * Built-in phase plugins name their taps `binfarm:<phase>`; their value is a note, not a claim:
 * it is recorded and turned into `undefined`, so taps at a later stage (a user's "after" wrapper)
 * still run after the built-in.
 */
export const BUILTIN_TAP_PREFIX = 'binfarm:';

type Tap = { name: string; type: 'sync' | 'async' | 'promise'; fn: (...a: any[]) => any };

export function instrumentPhaseHooks(farm: FarmContext): void {
  if (instrumented.has(farm)) return;
  instrumented.add(farm);
  for (const phase of PHASES) {
    farm.hooks[phase].intercept({
      register(tap: Tap) {
        const fn = tap.fn;
        const builtin = tap.name.startsWith(BUILTIN_TAP_PREFIX);
        const note = (build: unknown, result: unknown) => {
          if (builtin && result !== undefined && result !== true && build && typeof build === 'object') {
            let m = builtinNotes.get(build);
            if (!m) builtinNotes.set(build, (m = new Map()));
            m.set(phase, result as Exclude<PhaseClaim, undefined | void | true>);
            return undefined;
          }
          if (result !== undefined && build && typeof build === 'object') {
            let m = claims.get(build);
            if (!m) claims.set(build, (m = new Map()));
            m.set(phase, tap.name);
          }
          return result;
        };
        if (tap.type === 'promise') {
          tap.fn = (build: unknown) => Promise.resolve(fn(build)).then((r) => note(build, r));
        } else if (tap.type === 'sync') {
          tap.fn = (build: unknown) => note(build, fn(build));
        } else {
          tap.fn = (build: unknown, cb: (err?: unknown, r?: unknown) => void) => fn(build, (err: unknown, r: unknown) => cb(err, err ? r : note(build, r)));
        }
        return tap;
      },
    } as never);
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
  const by = claims.get(build)?.get(phase) ?? 'unknown';
  const builtin = by.startsWith(BUILTIN_TAP_PREFIX);
  if (typeof result === 'object' && result !== null && 'skipped' in result) {
    return { phase, status: 'skipped', ms, note: result.skipped, ...(builtin ? {} : { by }) };
  }
  const note = typeof result === 'string' ? result : undefined;
  if (builtin) return { phase, status: 'done', ms, ...(note ? { note } : {}) };
  return { phase, status: 'claimed', by, ms, ...(note ? { note } : {}) };
}
