/**
 * The publish phase (built-in plugin). Per subject it only stages what to publish; the actual
 * pushes and binhost generations happen in the `done` hook, i.e. once the whole run succeeded —
 * a failed or interrupted run publishes nothing, and the published binhost never holds half a
 * run.
 */
import type { SubjectBuild } from '../run/context.ts';
import { BinfarmError } from '../errors.ts';
import { relative, sep } from 'node:path';
import { binhostRoot } from '../binhost/partition.ts';
import { stagedOf } from './publish-run.ts';
import { publishingEnabled } from './enabled.ts';

/** The publish tap: stages the subject for the `done` hook (which pushes once the whole run succeeded). */
export async function stagePublish(build: SubjectBuild): Promise<string> {
  if (!publishingEnabled(build.run)) return 'not published (run.publish is off; use `binfarm run --publish`)';
  if (!build.image || !build.key || !build.partition) {
    throw new BinfarmError('E_INTERNAL', `subject "${build.subject.name}" reached publish without an image, key or partition`, {
      hint: 'The package phase records them.',
    });
  }
  const rel = relative(binhostRoot(build.run.options, build.run.stateDir), build.partition).split(sep).join('/');
  stagedOf(build.run).set(build.subject.name, { subject: build.subject.name, key: build.key, image: build.image, partition: { dir: build.partition, rel } });
  return 'staged; published when the run succeeds';
}
