/**
 * Which plugin contributed what to which subject, so a plugin's version enters only the
 * content keys of subjects it contributed to (core/plan/plugin-inputs.ts).
 *
 * - Content hooks (`subjects`, `atom[...]`, `makeConf`, `portageModel`, `renderedFiles`,
 *   `keyInputs`) are watched while they run: a tap counts for a subject when its output differs
 *   from its input (compared as stable JSON taken before the call, so in-place changes count;
 *   make.conf variables and rendered files as keyed, so changing a tuning knob does not count).
 *   `subjects` counts for each subject the tap added or changed; the others for the subject
 *   of their context (for `atom`, the subject that owns the atom).
 * - Taps of hooks that can act on any build (the build phases but publish, which runs after the
 *   image and binpkgs are made; `emergeArgs`; `patchStrategies`) count for every subject.
 * - Lifecycle hooks (beforeRun, done, failed, shutdown, afterPlugins,
 *   infrastructureLog) and `publish` count for none.
 * Tap names are plugin names (docs/internals/architecture.md#plugin). Built-in taps (core/builtin-taps.ts) are covered by
 * the binfarm version input and are not recorded.
 *
 * It also guards `keyInputs`: a tap may add inputs but not remove or change the ones it was given
 * (built-in, or added by an earlier tap).
 */
import { BinfarmError, PluginError } from './errors.ts';
import { stableStringify } from './util/hash.ts';
import { fileInputs, keyedAssignments } from './plan/file-inputs.ts';
import { isBuiltinTap } from './builtin-taps.ts';
import { wrapTaps, type Tap } from './tap-wrap.ts';

/** Hooks whose taps can act on any build: tapping one counts for every subject. */
export const EVERY_SUBJECT_HOOKS = ['fetchStage3', 'mountPortage', 'applyPatches', 'emerge', 'package', 'emergeArgs', 'patchStrategies'] as const;

/** Content hooks watched per call (waterfalls: the first argument is the value passed on). */
const CONTENT_HOOKS = ['subjects', 'makeConf', 'portageModel', 'renderedFiles', 'keyInputs'] as const;

type Interceptable = { intercept(i: { register?: (tap: any) => any }): void; taps?: Tap[] };
type HookMapLike = { intercept(i: { factory?: (key: any, hook: any) => any }): void };

interface Recorder {
  /** subject → tap name → hooks in which it changed something for that subject. */
  bySubject: Map<string, Map<string, Set<string>>>;
  /** Set while `guardKeyInputs` runs a keyInputs call. */
  guard?: { subject: string; builtin: Readonly<Record<string, string>> };
}

const recorders = new WeakMap<object, Recorder>();

/** Installs the watchers on a fresh hooks object (createHooks calls this). */
export function watchContributions(hooks: Record<string, unknown>): void {
  const rec: Recorder = { bySubject: new Map() };
  recorders.set(hooks, rec);
  for (const name of CONTENT_HOOKS) watch(name, hooks[name] as Interceptable, rec);
  (hooks.atom as HookMapLike).intercept({
    factory: (key: string, hook: Interceptable) => {
      watch(`atom[${key}]`, hook, rec);
      return hook;
    },
  });
}

/** Tap names that changed something for `subject` (built-ins excluded), with the hooks they did it in. */
export function contributionsTo(hooks: object, subject: string): ReadonlyMap<string, ReadonlySet<string>> {
  return recorderOf(hooks).bySubject.get(subject) ?? new Map();
}

/** Tap names (built-ins excluded) on hooks that act on every build, with those hooks. */
export function everySubjectTaps(hooks: object): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const hookName of EVERY_SUBJECT_HOOKS) {
    for (const tap of ((hooks as Record<string, unknown>)[hookName] as Interceptable).taps ?? []) {
      if (isBuiltinTap(tap)) continue;
      let set = out.get(tap.name);
      if (!set) out.set(tap.name, (set = new Set()));
      set.add(hookName);
    }
  }
  return out;
}

/** Runs a keyInputs call for `subject`, whose built-in inputs are `builtin` (named so in the error of a tap that changes one). */
export function guardKeyInputs<T>(hooks: object, subject: string, builtin: Readonly<Record<string, string>>, call: () => T): T {
  const rec = recorderOf(hooks);
  rec.guard = { subject, builtin };
  try {
    return call();
  } finally {
    delete rec.guard;
  }
}

function recorderOf(hooks: object): Recorder {
  const rec = recorders.get(hooks);
  if (!rec) throw new BinfarmError('E_INTERNAL', 'these hooks were not made by createHooks (no contribution recorder)');
  return rec;
}

function watch(hookName: string, hook: Interceptable, rec: Recorder): void {
  const isSubjects = hookName === 'subjects';
  const isKeyInputs = hookName === 'keyInputs';
  wrapTaps(hook, (tap) => {
    const builtin = isBuiltinTap(tap);
    if (builtin && !isKeyInputs) return undefined;
    return {
      // keyInputs: a copy of what the tap was given, so that it may only add (checked after the call)
      before: (args: unknown[]) => ({
        snap: isSubjects ? specsSnapshot(args[0]) : snapshot(hookName, args[0]),
        given: isKeyInputs ? { ...((args[0] ?? {}) as Record<string, unknown>) } : undefined,
      }),
      after(args: unknown[], ret: unknown, { snap, given }: { snap: unknown; given: Record<string, unknown> | undefined }) {
        const output = ret === undefined ? args[0] : ret; // a waterfall passes the input on when a tap returns undefined
        if (given) checkOnlyAdds(rec, tap.name, subjectOf(args), given, output);
        if (builtin) return ret;
        if (isSubjects) {
          for (const name of changedSpecs(snap as Map<string, string>, output)) record(rec, name, tap.name, hookName);
          return ret;
        }
        const subject = subjectOf(args);
        if (subject !== undefined && snapshot(hookName, output) !== snap) record(rec, subject, tap.name, hookName);
        return ret;
      },
    };
  });
}

function record(rec: Recorder, subject: string, tap: string, hookName: string): void {
  let byTap = rec.bySubject.get(subject);
  if (!byTap) rec.bySubject.set(subject, (byTap = new Map()));
  let hooks = byTap.get(tap);
  if (!hooks) byTap.set(tap, (hooks = new Set()));
  hooks.add(hookName.startsWith('atom[') ? 'atom' : hookName);
}

/**
 * A keyInputs tap may only add: every input it was given (built-in, or added by an earlier tap)
 * must come out unchanged, else E_PLUGIN naming the tap and the input.
 */
function checkOnlyAdds(rec: Recorder, tapName: string, subject: string | undefined, given: Record<string, unknown>, output: unknown): void {
  const builtin = rec.guard?.builtin ?? {};
  const out = (output ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(given)) {
    if (out[name] === value) continue;
    const what = out[name] === undefined ? 'removed' : `changed (${JSON.stringify(value)} → ${JSON.stringify(out[name])})`;
    const whose = builtin[name] === value ? 'the built-in key input' : 'the key input';
    throw new PluginError(
      tapName,
      'keyInputs',
      rec.guard?.subject ?? subject,
      new BinfarmError('E_PLUGIN', `${whose} "${name}" was ${what}`, {
        hint: 'A keyInputs tap may only add inputs (return { ...inputs, "my-plugin:thing": digest }); inputs given to it (built-in or added by an earlier tap) cannot be removed or changed.',
      }),
    );
  }
}

/** Stable JSON of what a hook value contributes to keys; make.conf variables and files as keyed (without tuning knobs). */
function snapshot(hookName: string, value: unknown): string {
  if (hookName === 'makeConf') return stableStringify(keyedAssignments((value ?? {}) as Record<string, string>));
  if (hookName === 'renderedFiles' && value instanceof Map) return stableStringify(fileInputs(value as Map<string, string>).inputs);
  return stableStringify(value);
}

function specsSnapshot(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, spec] of Object.entries((value ?? {}) as Record<string, unknown>)) out.set(name, stableStringify(spec));
  return out;
}

function changedSpecs(before: Map<string, string>, output: unknown): string[] {
  const out: string[] = [];
  for (const [name, spec] of Object.entries((output ?? {}) as Record<string, unknown>)) {
    if (before.get(name) !== stableStringify(spec)) out.push(name);
  }
  return out;
}

/** The subject of a content hook call: its render context's subject. */
function subjectOf(args: unknown[]): string | undefined {
  for (const a of args.slice(1)) {
    const s = (a as { subject?: { name?: unknown } } | null)?.subject;
    if (s && typeof s.name === 'string') return s.name;
  }
  return undefined;
}
