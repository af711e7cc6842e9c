import type { PortageModel } from '../portage/model.ts';
import type { Subject } from '../subject/types.ts';

/** Why a subject must be built (shown by `binfarm plan --explain`). */
export interface StaleReason {
  /** Input name, e.g. `stage3`, `tree`, `file:package.use/50-hep-core`, `set:hf-base`, `overlay:root.01.d/etc/x`, `plugin:hep`. */
  input: string;
  /**
   * Human text: `changed`, `added`, `removed`, `no previous build`, `parent rebuilt`, `image missing`,
   * `binpkg corrupt: <cat>/<pf>-<build id>`, `binpkg missing: …` (input `binpkgs`).
   */
  change: string;
  before?: string;
  after?: string;
  /** What changed inside the input, one line each: `CFLAGS "-O2" → "-O3"`, `+dev-libs/boost python` (core/plan/explain-content.ts). */
  details?: string[];
}

export interface SubjectPlan {
  subject: Subject;
  /** Content key; undefined when it cannot be known without Docker (plan without --explain of remote inputs). */
  key: string | undefined;
  /** Inputs hashed into the key (name → digest). */
  inputs: Record<string, string>;
  /** `build` when stale, `skip` when an image with this key exists and its binpkgs are present. */
  action: 'build' | 'skip';
  reasons: StaleReason[];
  /** Topological depth (0 = base); subjects of equal depth whose parents are done may run concurrently. */
  depth: number;
  /**
   * For `skip`: the existing image with this key. The runner hands it to children as
   * `build.parent.image` (their base image). Absent: the runner derives `<imagePrefix>/<name>:<key12>`.
   */
  image?: { ref: string; id: string };
  /** Binhost partition directory on the host (known once the Portage model is rendered). */
  partition?: string;
  /** Inputs still unknown (`stage3`, `tree`, `parent`): the key is computed during the run. */
  unknown?: string[];
  /** The subject's Portage model and rendered files, as hashed here: a build of the subject starts with them (rendered once). */
  portage?: { model: PortageModel; files: Map<string, string> };
}

/** The ordered plan of a run: parents before children. */
export interface RunPlan {
  /** Subjects requested by the user (or `targets`), before ancestors were added. */
  requested: string[];
  /** Every subject of the run in topological order (ancestors included). */
  order: SubjectPlan[];
  /** Whether image existence was checked against the engine (false: `plan` without Docker). */
  checkedImages?: boolean;
  /** Notes for the user (e.g. why Docker was not consulted). */
  notes?: string[];
}
