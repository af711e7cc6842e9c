/**
 * What taps return is checked where it is returned, so a plugin that returns garbage is named
 * ("plugin "x" returned ... from hook emergeArgs") instead of a TypeError surfacing later in a
 * built-in that used the value.
 */
import type { FarmContext } from '../types.ts';
import { BinfarmError, PluginError } from '../errors.ts';
import { wrapTaps } from '../tap-wrap.ts';
import { PHASES } from './context.ts';

const guarded = new WeakSet<object>();

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 80)})`;
  return typeof v === 'object' ? `an object (${JSON.stringify(v)?.slice(0, 80)})` : `${typeof v} ${JSON.stringify(v)}`;
}

/** A phase tap's claim: nothing, `true`, a note string or `{ skipped: reason }`. */
export function claimProblem(v: unknown): string | undefined {
  if (v === undefined || v === true || typeof v === 'string') return undefined;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { skipped?: unknown }).skipped === 'string' && Object.keys(v).length === 1) return undefined;
  return `${describe(v)}; a phase tap returns undefined (let later taps run), true or a note string (claim the phase), or { skipped: "reason" }`;
}

/** emergeArgs taps return the argv: an array of strings, `emerge` first. */
export function argvProblem(v: unknown): string | undefined {
  if (!Array.isArray(v)) return `${describe(v)}; an emergeArgs tap returns the argv it was given, changed (an array of strings)`;
  const bad = v.findIndex((x) => typeof x !== 'string');
  if (bad >= 0) return `an argv whose item ${bad} is ${describe(v[bad])}; every item must be a string`;
  if (!v.length) return 'an empty argv; keep `emerge` as its first item';
  return undefined;
}

function subjectOf(arg: unknown): string | undefined {
  const name = (arg as { subject?: { name?: unknown } } | null)?.subject?.name;
  return typeof name === 'string' ? name : undefined;
}

function guard(hookName: string, hook: Parameters<typeof wrapTaps>[0], problem: (v: unknown) => string | undefined): void {
  wrapTaps(hook, (tap) => ({
    after(args: unknown[], v: unknown) {
      const why = problem(v);
      if (why) throw new PluginError(tap.name, hookName, subjectOf(args[args.length - 1]), new BinfarmError('E_PLUGIN', `it returned ${why}`));
      return v;
    },
  }));
}

/** Installs the checks on the phase hooks and emergeArgs (once per farm; taps added later are covered too). */
export function guardTapResults(farm: FarmContext): void {
  if (guarded.has(farm.hooks)) return;
  guarded.add(farm.hooks);
  for (const phase of PHASES) guard(phase, farm.hooks[phase], claimProblem);
  guard('emergeArgs', farm.hooks.emergeArgs, argvProblem);
}
