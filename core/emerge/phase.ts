/**
 * The emerge phase of the local executor: the subject's emerge (core/emerge/emerge-subject.ts) in
 * its build container, which binds the binhost partition, so binpkgs land there as emerge writes
 * them. Any failed package fails the subject; the binpkgs that did get built stay in the
 * partition for the next run.
 */
import type { FarmContext } from '../types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { emergeSubject, emergeSummary } from './emerge-subject.ts';
import { ensureBuildContainer, ensurePartition } from '../build/build-container.ts';

export async function emergePhase(farm: FarmContext, build: SubjectBuild): Promise<string> {
  const container = await ensureBuildContainer(build);
  const partition = await ensurePartition(build);
  return emergeSummary(build, await emergeSubject(farm, build, container, partition));
}
