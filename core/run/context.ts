import type { BinfarmOptions } from '../config/schema/index.ts';
import type { Engine } from '../engine/types.ts';
import type { Logger } from '../log/logger.ts';
import type { PortageModel } from '../portage/model.ts';
import type { Subject } from '../subject/types.ts';

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
  | { kind: 'start'; cpv: string; binary: boolean }
  | { kind: 'end'; cpv: string; binary: boolean; status: 'done' | 'failed'; ms: number };

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
   * The farm of this run (set by the runner). Phases that need the hooks or the Portage model
   * outside their own tap (content keys, the build container's partition) read it here.
   */
  readonly farm?: import('../farm.ts').Farm;
  /** `binfarm run --publish` (or `run.publish`): publish when the whole run succeeded. */
  readonly publish?: boolean;
}

/** Outcome of one phase, recorded for the summary and the state file. */
export interface PhaseRecord {
  phase: PhaseName;
  status: 'done' | 'skipped' | 'failed' | 'claimed';
  /** The plugin that claimed the phase (bail hooks), when not the built-in. */
  by?: string;
  ms: number;
  note?: string;
}

export const PHASES = ['fetchStage3', 'mountPortage', 'applyPatches', 'emerge', 'package', 'publish'] as const;
export type PhaseName = (typeof PHASES)[number];

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
  tree?: { digest: string; mounts: import('../engine/types.ts').MountSpec[]; repos: Record<string, string> };
  /** The Portage model after all contributions, and its rendered files (path → content). */
  portage?: { model: PortageModel; files: Map<string, string> };
  /** The build container (started by ensureBuildContainer, removed at the end of the subject). */
  container?: import('../engine/types.ts').ContainerHandle;
  /** The resulting image, once committed. */
  image?: { ref: string; id: string };
  /** Binhost partition directory on the host. */
  partition?: string;
  /** Per-phase outcomes. */
  readonly phases: PhaseRecord[];
  /** Free-form storage for plugins, keyed by plugin name. */
  readonly data: Map<string, unknown>;
}
