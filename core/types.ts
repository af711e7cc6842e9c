/**
 * The plugin contract: every type a plugin (or a built-in phase) sees, and nothing else. This is
 * the bottom layer of core: it imports no module of the farm, the run, the phases or the planner,
 * only the shapes of the data they pass around (the config schema's output type, the subject
 * model, the Portage model, the engine's handle types, a tree artifact). Implementation modules
 * import it; it never imports them, so no import cycle can run through it (docs/plugins.md#contract).
 */
import type { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap, SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type { z } from 'zod';
import type { BinfarmOptions } from './config/schema/index.ts';
import type { TreeSourceSchema } from './config/schema/engine.ts';
import type { ContainerHandle, Engine, MountSpec } from './engine/types.ts';
import type { PortageModel } from './portage/model.ts';
import type { AtomSpec, Subject, SubjectSpec } from './subject/types.ts';
import type { TreeArtifact, TreeNeeds } from './tree/sources/types.ts';

// The data shapes the contract speaks of, re-exported so that a plugin finds them all here.
export type { BinfarmOptions } from './config/schema/index.ts';
export type { ContainerHandle, ContainerSpec, Engine, ExecResult, MountSpec } from './engine/types.ts';
export type { MakeConfContribution, PackageEntry, PackageFileKind, PortageModel, ProfileSpec } from './portage/model.ts';
export type { AtomSpec, PackageSets, PortageFragment, SmokeTest, Subject, SubjectSpec } from './subject/types.ts';
export type { TreeArtifact, TreeNeeds } from './tree/sources/types.ts';

// ── stages ──────────────────────────────────────────────────────────────────
// A tap's `stage` orders it among the taps of one hook (lower first; tapable's default is 0).
// Built-in taps use STAGE_BUILTIN. Built-ins are applied after user plugins, so a user tap at
// the default stage already runs before the built-in of the same hook; the names say the intent.

/**
 * Before every other contribution: checks that must run before any plugin can claim the phase
 * (`binfarm run --locked` compares what emerge will merge with the lock here, core/lock/locked-run.ts).
 */
export const STAGE_FIRST = -100;
/** Before the built-in tap of the hook (e.g. note something before the built-in publish). */
export const STAGE_BEFORE_BUILTIN = -10;
/** Where binfarm's built-in taps are (tapable's default stage). */
export const STAGE_BUILTIN = 0;
/** After the built-in tap and the plugins at the default stage (e.g. a subject standing on another plugin's subjects). */
export const STAGE_AFTER_BUILTIN = 10;
/** After every other contribution: checks that must see the final value (a rule check of the whole Portage model). */
export const STAGE_LAST = 100;

// ── logging ─────────────────────────────────────────────────────────────────

export type LogType = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  /** A child logger named `parent/child`. */
  child(name: string): Logger;
}

/** Where log lines end up once no tap swallowed them. */
export type LogSink = (origin: string, type: LogType, args: unknown[]) => void;

// ── plugins ─────────────────────────────────────────────────────────────────

/**
 * A plugin is `{ name, apply(farm) }`: a class instance or a plain object. Tap names are the
 * plugin name, so errors and traces say which plugin did what. Names starting with `binfarm:`
 * are reserved for the built-ins.
 */
export interface Plugin {
  readonly name: string;
  /** Optional version; part of the content key of every subject the plugin contributed to (core/hook-contributions.ts). */
  readonly version?: string;
  apply(farm: FarmContext): void;
}

/** What `plugins: [...]` accepts: nested arrays and falsy entries (`cond && plugin()`). */
export type PluginOption = Plugin | false | null | undefined | 0 | '' | PluginOption[];

/** What a plugin (and a built-in phase) sees of the farm: its hooks, options and subjects. */
export interface FarmContext {
  readonly hooks: FarmHooks;
  readonly options: BinfarmOptions;
  /** Directory of the config file (relative paths in the config resolve against it). */
  readonly rootDir: string;
  /** The config file the farm was loaded from, when there is one (its digest goes into provenance). */
  readonly configFile?: string | undefined;
  /** All subjects (config + plugin contributions), validated, the base included. */
  subjects(): Map<string, Subject>;
  /** One subject; an unknown name is an E_SUBJECT error naming the known ones. */
  subject(name: string): Subject;
  /** A logger whose lines go through hooks.infrastructureLog first. */
  getLogger(origin: string): Logger;
  /** Every applied plugin, user plugins first, then built-ins (their versions enter content keys). */
  readonly plugins: readonly Plugin[];
}

// ── phases and runs ─────────────────────────────────────────────────────────

export const PHASES = ['fetchStage3', 'mountPortage', 'applyPatches', 'emerge', 'package', 'publish'] as const;
export type PhaseName = (typeof PHASES)[number];

/**
 * A phase tap returns `undefined` to let later taps (the built-in among them) run, or any
 * other value to claim the phase: later taps are skipped. A string is shown as the note;
 * `{ skipped: reason }` claims the phase as not needed (shown as skipped with the reason).
 */
export type PhaseClaim = true | string | { skipped: string } | undefined | void;

/** Outcome of one phase, recorded for the summary and the state file. */
export interface PhaseRecord {
  phase: PhaseName;
  status: 'done' | 'skipped' | 'failed' | 'claimed';
  /** The plugin that claimed the phase (bail hooks), when not the built-in. */
  by?: string;
  ms: number;
  note?: string;
}

/** A summary of a finished run, given to `done`. */
export interface RunSummary {
  built: string[];
  skipped: string[];
  failed: string[];
}

/** What a phase can tell the user while it works (a listr2 task underneath, or nothing). */
export interface Progress {
  /** One line of live output under the task. */
  output(line: string): void;
  /** Changes the task title, e.g. `emerge (3 of 12) dev-libs/boost-1.88.0`. */
  title(text: string): void;
  /** A package's build or binary merge started or ended (per-package times, `--json` events). */
  package?(event: PackageProgress): void;
}

export type PackageProgress =
  { kind: 'start'; cpv: string; binary: boolean } | { kind: 'end'; cpv: string; binary: boolean; status: 'done' | 'failed'; ms: number };

/** One `binfarm run` (or plan/assemble): shared by all subjects of the run. */
export interface RunContext {
  readonly runId: string;
  /** `.binfarm/runs/<run-id>/`: full logs of this run. */
  readonly runDir: string;
  readonly stateDir: string;
  readonly cacheDir: string;
  /** Directory of the config file; relative paths in the config resolve against it. */
  readonly rootDir: string;
  readonly options: BinfarmOptions;
  readonly command: string;
  /** Aborted on SIGINT/SIGTERM or when another subject fails and the run stops. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The container engine, connected on first use (plan never touches Docker). */
  engine(): Promise<Engine>;
  /** Free-form per-run storage for plugins, keyed by plugin name. */
  readonly data: Map<string, unknown>;
  /**
   * The farm of this run. Phases that need the hooks or the Portage model outside their own
   * tap (content keys, the build container's partition) read it here.
   */
  readonly farm?: FarmContext;
  /** `binfarm run --publish` (or `run.publish`): publish when the whole run succeeded. */
  readonly publish?: boolean;
}

/** The build of one subject within a run; phases fill it in, in order. */
export interface SubjectBuild {
  readonly run: RunContext;
  readonly subject: Subject;
  /** The parent's build in this run, or its already-built image when the parent was skipped. */
  readonly parent: SubjectBuild | undefined;
  readonly logger: Logger;
  readonly progress: Progress;
  /** Path of this subject's log file in the run directory. */
  readonly logFile: string;
  /** Content key (docs/internals/architecture.md#content-key), computed by the planner. */
  key?: string;
  /** Image the build container starts from (stage3 image for the base, the parent image otherwise). */
  baseImage?: { ref: string; digest: string };
  /** Digest of the resolved stage3 (part of the key). */
  stage3Digest?: string;
  /** The tree and overlays, mounted for the build containers. */
  tree?: { digest: string; mounts: MountSpec[]; repos: Record<string, string> };
  /** The Portage model after all contributions, and its rendered files (path → content). */
  portage?: { model: PortageModel; files: Map<string, string> };
  /** The build container (started by ensureBuildContainer, removed at the end of the subject). */
  container?: ContainerHandle;
  /** The resulting image, once committed. */
  image?: { ref: string; id: string };
  /** Binhost partition directory on the host. */
  partition?: string;
  /** Per-phase outcomes. */
  readonly phases: PhaseRecord[];
  /** Free-form storage for plugins, keyed by plugin name. */
  readonly data: Map<string, unknown>;
}

// ── Portage content ─────────────────────────────────────────────────────────

/** Context of per-atom and model hooks: the subject being rendered. */
export interface RenderContext {
  readonly subject: Subject;
  readonly options: BinfarmOptions;
}

/** Context of the per-atom hook. */
export interface AtomContext extends RenderContext {
  readonly set: string;
  readonly atom: string;
}

/**
 * Patch strategies decide how one rendered file gets into the image (core/portage/strategy.ts).
 * A strategy is a pure function of the path, the new content and what the image has now.
 */
export type FileOp =
  | { op: 'write'; path: string; content: string | Uint8Array; mode?: number }
  | { op: 'remove'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'symlink'; path: string; target: string };

/**
 * Helpers a strategy may use, handed in by the caller so that strategies stay small and import
 * nothing heavy at start-up (the built-ins are loaded with every farm).
 */
export interface StrategyTools {
  /** make.conf-aware merge (core/portage/makeconf/merge-existing.ts). */
  mergeMakeConf(
    existingText: string,
    renderedText: string,
    existingFile?: string,
    renderedFile?: string,
  ): { text: string; mode: 'in-place' | 'append' | 'unchanged'; log: string[] };
  /** Unified diff of two texts; '' when equal (core/portage/diff.ts). */
  unifiedDiff(oldText: string | undefined, newText: string | undefined, oldName: string, newName?: string): string;
}

export interface StrategyInput {
  /** The rendered key (`make.conf`, `package.use/51-hep-core`, `/var/db/repos/...`). */
  key: string;
  /** Absolute path in the image. */
  path: string;
  /** The new content; `symlink:<target>` for a link (render/conventions.ts). */
  content: string;
  /** The image's current content, undefined when the file does not exist. */
  existing: string | undefined;
  /** Names present in the file's directory in the image (for `._cfg0000_` numbering). */
  siblings: ReadonlySet<string>;
  tools: StrategyTools;
}

export interface StrategyResult {
  ops: FileOp[];
  log: string[];
}

export interface PatchStrategy {
  readonly name: string;
  /** One line for docs and `binfarm render` output. */
  readonly description: string;
  apply(input: StrategyInput): StrategyResult;
}

// ── tree mounts ─────────────────────────────────────────────────────────────

/** A tree or overlay source of the config (`tree`, `overlays[]`). */
export type TreeSource = z.output<typeof TreeSourceSchema>;

export interface StrategyContext {
  run: RunContext;
  engine: Engine;
  /** Every repository source of the run, the main tree first. */
  sources: TreeSource[];
  /** Chosen by `auto` (a strategy may decline what it would do only when forced). */
  auto: boolean;
  /** An image for helper containers that are created but never started (the stage3 image). */
  helperImage: string | undefined;
  output(line: string): void;
  warn(line: string): void;
}

/** One repository to make available at `target` in the build containers. */
export interface RepoMount {
  name: string;
  target: string;
  artifact: TreeArtifact;
}

/**
 * How the trees reach the build containers. Strategies are registered by name (core/tree/mount/registry.ts);
 * `mount.strategy` picks one, `auto` takes the first available by `autoPriority`.
 */
export interface MountStrategy {
  readonly name: string;
  /** Order in which `auto` tries strategies (lower first); absent: never chosen by `auto`. */
  readonly autoPriority?: number;
  /** What each repository must be turned into for this strategy. */
  needs(source: TreeSource): TreeNeeds;
  /** Why the strategy cannot work here, with the fix; undefined when it can. */
  unavailable(ctx: StrategyContext): Promise<string | undefined>;
  /** Once per run and repository; the container mount (undefined: nothing to mount). */
  provision(repo: RepoMount, ctx: StrategyContext): Promise<MountSpec | undefined>;
  /** Per subject, after provisioning (e.g. `copy` bakes the trees into the base image). */
  prepareBuild?(build: SubjectBuild, repos: RepoMount[], ctx: StrategyContext): Promise<void>;
}

/**
 * Where the emerge of a subject runs (core/executor/). Registered by name on
 * `farm.hooks.executors`; `run.executor` (or `--executor`) picks one: `local` runs emerge in the
 * subject's build container, `swarm` as a job on a Docker Swarm node. Whatever runs it, the
 * binpkgs end in the subject's partition and the packages are installed in the build container,
 * which the package phase then commits: where a package was built never enters its key.
 */
export interface Executor {
  readonly name: string;
  /** Why the executor cannot run with these options, with the fix; undefined when it can. Checked once per run. */
  unavailable?(run: RunContext): Promise<string | undefined>;
  /** The emerge phase of one subject; returns the phase's note (e.g. `built 3, reused 2 binary packages`). */
  emerge(build: SubjectBuild, farm: FarmContext): Promise<string>;
  /**
   * How many subjects may prepare at once, in plan order (undefined: as many as `run.concurrency`
   * starts): the phases before emerge, and emerge until the executor calls `endPreparationTurn(build)`
   * (or it ended). Asked once per run; `swarm` answers with its nodes that take jobs, and ends a
   * subject's turn once its job runs on a node.
   */
  preparations?(run: RunContext): Promise<number | undefined>;
}

// ── the hooks ───────────────────────────────────────────────────────────────

/** Every hook of a farm (created by core/hooks.ts, frozen). */
export interface FarmHooks {
  // lifecycle
  /** Every plugin is applied. */
  readonly afterPlugins: SyncHook<[FarmContext]>;
  /** Plugins add or change subjects (waterfall over name → spec). */
  readonly subjects: SyncWaterfallHook<[Record<string, SubjectSpec>]>;
  /** A run is about to start (run dir exists, lock held). */
  readonly beforeRun: AsyncSeriesHook<[RunContext]>;
  /** The run finished without error. */
  readonly done: AsyncSeriesHook<[RunContext, RunSummary]>;
  /** The run failed; cleanup still follows. */
  readonly failed: SyncHook<[Error, RunContext | undefined]>;
  /** Last chance to release resources (always called). */
  readonly shutdown: AsyncSeriesHook<[RunContext | undefined]>;

  // the six phases, once per subject (bail hooks: see PhaseClaim)
  readonly fetchStage3: AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>;
  readonly mountPortage: AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>;
  readonly applyPatches: AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>;
  readonly emerge: AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>;
  readonly package: AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>;
  readonly publish: AsyncSeriesBailHook<[SubjectBuild], PhaseClaim>;

  // Portage content
  /** One atom of one set: change its USE, keywords, licences, env, patches. Keyed by `cat/pn`. */
  readonly atom: HookMap<SyncWaterfallHook<[AtomSpec, AtomContext]>>;
  /** make.conf variables contributed by the farm (after settings are turned into variables). */
  readonly makeConf: SyncWaterfallHook<[Record<string, string>, RenderContext]>;
  /** The whole Portage model of a subject, before rendering. */
  readonly portageModel: AsyncSeriesWaterfallHook<[PortageModel, RenderContext]>;
  /** Patch strategies by name (`overwrite`, `merge`, ...): plugins add theirs (core/portage/strategy.ts). */
  readonly patchStrategies: SyncWaterfallHook<[Record<string, PatchStrategy>]>;
  /** Mount strategies by name (`squashfs`, `bind`, ...): plugins add theirs (core/tree/mount/registry.ts). */
  readonly mountStrategies: SyncWaterfallHook<[Record<string, MountStrategy>]>;
  /** Executors by name (`local`, `swarm`): plugins add theirs (core/executor/registry.ts). */
  readonly executors: SyncWaterfallHook<[Record<string, Executor>]>;
  /** Rendered files (path relative to /etc/portage → content), before they are applied. */
  readonly renderedFiles: SyncWaterfallHook<[Map<string, string>, RenderContext]>;
  /** The emerge argv for a subject. */
  readonly emergeArgs: SyncWaterfallHook<[string[], SubjectBuild]>;
  /** Inputs hashed into a subject's content key (name → digest or value). A tap may only add inputs. */
  readonly keyInputs: SyncWaterfallHook<[Record<string, string>, RenderContext]>;

  // infrastructure
  /** Every log line; return true to swallow it. */
  readonly infrastructureLog: SyncBailHook<[string, LogType, unknown[]], true | undefined>;
}

export type HookName = keyof FarmHooks;

/** The five hooks Portage rendering calls. */
export type PortageHooks = Pick<FarmHooks, 'atom' | 'makeConf' | 'portageModel' | 'renderedFiles' | 'patchStrategies'>;

/**
 * What core/portage reads to render a subject: the hooks that shape Portage content, the options,
 * the config's directory and the subjects; not the whole farm (a FarmContext is one).
 */
export interface PortageContext {
  readonly hooks: PortageHooks;
  readonly options: BinfarmOptions;
  readonly rootDir: string;
  subjects(): Map<string, Subject>;
  subject(name: string): Subject;
}
