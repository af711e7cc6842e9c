import {
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  HookMap,
  SyncBailHook,
  SyncHook,
  SyncWaterfallHook,
} from 'tapable';
import type {
  AtomContext,
  AtomSpec,
  FarmContext,
  FarmHooks,
  LogType,
  Executor,
  MountStrategy,
  PatchStrategy,
  PhaseClaim,
  PortageModel,
  RenderContext,
  RunContext,
  RunSummary,
  SubjectBuild,
  SubjectSpec,
} from './types.ts';
import { PluginError } from './errors.ts';
import { trackAtomHookKeys } from './portage/atom-hook-keys.ts';
import { watchContributions } from './hook-contributions.ts';
import { markBuiltinTaps } from './builtin-taps.ts';
import { wrapTaps } from './tap-wrap.ts';

// The plugin-facing types live in the contract module (core/types.ts); re-exported for old import paths.
export type { AtomContext, FarmHooks, HookName, PhaseClaim, RenderContext, RunSummary } from './types.ts';

export function createHooks(): FarmHooks {
  const hooks = {
    // ── lifecycle ───────────────────────────────────────────────────────────
    /** Every plugin is applied. */
    afterPlugins: new SyncHook<[FarmContext]>(['farm']),
    /** Plugins add or change subjects (waterfall over name → spec). */
    subjects: new SyncWaterfallHook<[Record<string, SubjectSpec>]>(['subjects']),
    /** A run is about to start (run dir exists, lock held). */
    beforeRun: new AsyncSeriesHook<[RunContext]>(['run']),
    /** The run finished without error. */
    done: new AsyncSeriesHook<[RunContext, RunSummary]>(['run', 'summary']),
    /** The run failed; cleanup still follows. */
    failed: new SyncHook<[Error, RunContext | undefined]>(['error', 'run']),
    /** Last chance to release resources (always called). */
    shutdown: new AsyncSeriesHook<[RunContext | undefined]>(['run']),

    // ── the six phases, once per subject ───────────────────────────────────
    fetchStage3: new AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>(['build']),
    mountPortage: new AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>(['build']),
    applyPatches: new AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>(['build']),
    emerge: new AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>(['build']),
    package: new AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>(['build']),
    publish: new AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>(['build']),

    // ── Portage content ─────────────────────────────────────────────────────
    /** One atom of one set: change its USE, keywords, licences, env, patches. Keyed by `cat/pn`. */
    atom: trackAtomHookKeys(new HookMap((key: string) => wrapHook(`atom[${key}]`, new SyncWaterfallHook<[AtomSpec, AtomContext]>(['spec', 'context'])))),
    /** make.conf variables contributed by the farm (after settings are turned into variables). */
    makeConf: new SyncWaterfallHook<[Record<string, string>, RenderContext]>(['vars', 'context']),
    /** The whole Portage model of a subject, before rendering. */
    portageModel: new AsyncSeriesWaterfallHook<[PortageModel, RenderContext]>(['model', 'context']),
    /** Patch strategies by name (`overwrite`, `merge`, ...): plugins add theirs (core/portage/strategy.ts). */
    patchStrategies: new SyncWaterfallHook<[Record<string, PatchStrategy>]>(['strategies']),
    /** Mount strategies by name (`squashfs`, `bind`, ...): plugins add theirs (core/tree/mount/registry.ts). */
    mountStrategies: new SyncWaterfallHook<[Record<string, MountStrategy>]>(['strategies']),
    /** Executors by name (`local`, `swarm`): plugins add theirs (core/executor/registry.ts). */
    executors: new SyncWaterfallHook<[Record<string, Executor>]>(['executors']),
    /** Rendered files (path relative to /etc/portage → content), before they are applied. */
    renderedFiles: new SyncWaterfallHook<[Map<string, string>, RenderContext]>(['files', 'context']),
    /** The emerge argv for a subject. */
    emergeArgs: new SyncWaterfallHook<[string[], SubjectBuild]>(['argv', 'build']),
    /** Inputs hashed into a subject's content key (name → digest or value). */
    keyInputs: new SyncWaterfallHook<[Record<string, string>, RenderContext]>(['inputs', 'context']),

    // ── infrastructure ──────────────────────────────────────────────────────
    /** Every log line; return true to swallow it. */
    infrastructureLog: new SyncBailHook<[string, LogType, unknown[]], true | undefined>(['origin', 'type', 'args']),
  };
  // first, so that later register interceptors see which taps are built-in
  markBuiltinTaps(hooks as never, ['atom']);
  for (const [name, hook] of Object.entries(hooks)) {
    if (!(hook instanceof HookMap)) wrapHook(name, hook as AnyHook);
  }
  // which plugin changed what for which subject: plugin versions enter only those keys
  watchContributions(hooks);
  return Object.freeze(hooks);
}

type AnyHook = { intercept(i: { register?: (tap: any) => any }): void };

/** Names the subject of a hook call from its arguments (a SubjectBuild or a render context). */
function subjectOf(args: unknown[]): string | undefined {
  for (const a of args) {
    const s = (a as { subject?: { name?: unknown } } | null)?.subject;
    if (s && typeof s.name === 'string') return s.name;
  }
  return undefined;
}

function wrapError(tapName: string, hookName: string, args: unknown[], e: unknown): unknown {
  if (e instanceof PluginError) return e;
  return new PluginError(tapName, hookName, subjectOf(args), e);
}

/** Wraps every tap so that an error names the plugin, the hook and the subject. */
export function wrapHook<H extends AnyHook>(hookName: string, hook: H): H {
  return wrapTaps(hook, (tap) => ({ error: (args, e) => wrapError(tap.name, hookName, args, e) }));
}
