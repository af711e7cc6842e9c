/**
 * The end of a run on the engine: everything it created goes, in an order that works. Its
 * containers first (found by the run label, plus any the label query missed), then the
 * registered cleanups (unmount, detach loop devices...) newest first, then its volumes. A
 * problem is logged and the run record kept, so the next run's orphan sweep (orphans.ts) retries.
 */
import type { DockerSession } from './docker-session.ts';
import { LABEL } from './labels.ts';
import type { RunRecordFile } from './run-record.ts';
import type { HostResource } from './types.ts';

export interface Cleanup {
  fn: () => Promise<void> | void;
  resource: HostResource | undefined;
}

/** Runs (and empties) `cleanups`; removes the run record when nothing was left behind. */
export async function cleanUpRun(d: DockerSession, cleanups: Cleanup[], record: RunRecordFile | undefined): Promise<void> {
  const problems: string[] = [];
  const label = `${LABEL.run}=${d.runId}`;
  try {
    const containers = await d.api.listContainers({ label: [label] });
    const ids = new Set([...containers.map((c) => c.Id), ...d.live]);
    await Promise.all(
      [...ids].map(async (id) => {
        try {
          await (await d.dockerode()).getContainer(id).remove({ force: true, v: true });
        } catch (e) {
          const code = (e as { statusCode?: number }).statusCode;
          if (code !== 404 && code !== 409) problems.push(`container ${id.slice(0, 12)}: ${(e as Error).message}`);
        }
        d.live.delete(id);
      }),
    );
  } catch (e) {
    problems.push(`listing containers: ${(e as Error).message}`);
  }
  // Registered cleanups (unmount, detach loop devices...) after the containers that used them.
  while (cleanups.length) {
    const c = cleanups.pop()!;
    try {
      await c.fn();
      if (c.resource) await record?.removeResource(c.resource);
    } catch (e) {
      problems.push(`${c.resource ? `${c.resource.kind} ${c.resource.path}` : 'cleanup'}: ${(e as Error).message}`);
    }
  }
  try {
    const { Volumes } = await d.api.listVolumes({ label: [label] });
    for (const v of Volumes ?? []) {
      try {
        await (await d.dockerode()).getVolume(v.Name).remove();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) problems.push(`volume ${v.Name}: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    problems.push(`listing volumes: ${(e as Error).message}`);
  }
  if (problems.length) {
    for (const p of problems) d.logger.warn(`cleanup: ${p}`);
    // Keep the record: the next run's sweep retries what is left.
    return;
  }
  await record?.remove();
}
