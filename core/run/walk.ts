/**
 * The walk: what `binfarm run` does, in order (docs/internals/walk.md has the diagram).
 *
 *   1. resolve sources   stage3 and tree digests (core/sources/resolve.ts)      } the plan collaborator,
 *   2. plan              content keys, skip or build (core/plan/plan.ts)       } core/run/collaborators.ts
 *   3. for each subject to build, parents first (core/run/schedule.ts): SUBJECT_WALK below.
 *
 * A subject's walk is the six phase hooks in order (their built-in plugins: core/phases/), with
 * one step of binfarm's own between emerge and package: the re-key. Before emerge the tree input
 * of the key is the whole tree; after it, the subject's tree slice (what it emerged) is known,
 * and the key the image and binpkgs are filed under is computed from it.
 */
import { BinfarmError } from '../errors.ts';
import { PHASES, type PhaseName, type SubjectBuild } from './context.ts';
import type { LogFile } from './log-file.ts';
import { runPhase, type SubjectRunDeps } from './subject-build.ts';
import { PREPARATION_TURN } from './preparation-turns.ts';

/** binfarm's own step of the walk: the subject's final content key, once its emerge has run. */
export const REKEY = 'rekey';

export type WalkStep = PhaseName | typeof REKEY;

/** A subject's walk, in order. */
export const SUBJECT_WALK: readonly WalkStep[] = ['fetchStage3', 'mountPortage', 'applyPatches', 'emerge', REKEY, 'package', 'publish'];

/** The phases of SUBJECT_WALK are the hooks' PHASES, in their order (checked when this module loads). */
const walkPhases = SUBJECT_WALK.filter((s): s is PhaseName => s !== REKEY);
if (walkPhases.join() !== PHASES.join()) {
  throw new BinfarmError('E_INTERNAL', `SUBJECT_WALK (${walkPhases.join()}) does not hold the PHASES (${PHASES.join()}) in order`);
}

/**
 * Walks one subject: each phase hook (recording its PhaseRecord), and the re-key after emerge.
 * The first failing phase ends the subject; its error is rethrown.
 */
export async function walkSubject(deps: SubjectRunDeps, build: SubjectBuild, log: LogFile, phase: { current?: PhaseName }): Promise<void> {
  // A subject's preparation (the phases before emerge, and emerge until the executor says it is
  // prepared) is taken in turns when the executor asks (preparation-turns.ts).
  const endTurn = (await deps.preparationTurn?.(build)) ?? (() => undefined);
  build.data.set(PREPARATION_TURN, endTurn);
  try {
    for (const step of SUBJECT_WALK) {
      if (step === REKEY) {
        endTurn(); // at the latest once emerge ended
        await rekey(deps, build, log);
      } else await runPhase(deps, build, log, phase, step);
    }
  } finally {
    endTurn();
  }
}

/** The re-key step: the key from the real stage3 digest and the subject's tree slice (core/plan/key.ts computeSubjectKey). */
async function rekey(deps: SubjectRunDeps, build: SubjectBuild, log: LogFile): Promise<void> {
  if (!deps.rekey) return;
  const key = await deps.rekey(build);
  if (key) build.key = key;
  log.line(`== content key ${build.key ?? '(none)'}`);
}
