/**
 * Sweeping leftovers of dead runs. A run writes a record (run-record.ts) when its engine is created
 * and deletes it after a clean cleanup. Leftovers are:
 *  - containers and volumes labelled `binfarm.owned=1` with a `binfarm.run` whose record is gone or
 *    whose process no longer runs — but only those labelled with this machine's `binfarm.host` and
 *    this state directory's `binfarm.state` (a shared engine serves other machines and checkouts);
 *  - host resources (mounts, loop devices, dirs) listed in records of dead processes.
 * Unlabelled objects, cache volumes (`binfarm.cache`, no run id) and images are never touched.
 */
import { hostname } from 'node:os';
import { rm } from 'node:fs/promises';
import type { DockerEngine } from './docker-engine.ts';
import { LABEL, stateTag } from './labels.ts';
import { releaseResource } from './host-resources.ts';
import { readRunRecords, recordAlive, runRecordPath } from './run-record.ts';
import type { HostResource } from './types.ts';

export interface SweepReport {
  runs: string[];
  containers: string[];
  volumes: string[];
  /** Swarm services and secrets (only swept when asked: a swarm run's engine is a manager). */
  services: string[];
  resources: HostResource[];
  problems: string[];
}

export async function sweepOrphans(engine: DockerEngine, stateDir: string, opts: { services?: boolean } = {}): Promise<SweepReport> {
  const report: SweepReport = { runs: [], containers: [], volumes: [], services: [], resources: [], problems: [] };
  const records = await readRunRecords(stateDir);
  const alive = new Set(records.filter(recordAlive).map((r) => r.runId));
  alive.add(engine.runId);
  const filters = { label: [`${LABEL.owned}=1`, LABEL.run, `${LABEL.host}=${hostname()}`, `${LABEL.state}=${stateTag(stateDir)}`] };
  const dead = (labels: Record<string, string> | undefined | null) => {
    const run = labels?.[LABEL.run];
    return run !== undefined && !alive.has(run) ? run : undefined;
  };
  const runs = new Set<string>();

  // Both lists at once (the volumes are removed after the containers all the same): a dead run adds
  // nothing, and a volume a container removal took with it is a 404, passed over below.
  const [containers, volumeList] = await Promise.all([engine.api.listContainers(filters), engine.api.listVolumes(filters)]);
  for (const c of containers) {
    const run = dead(c.Labels);
    if (!run) continue;
    runs.add(run);
    try {
      await (await engine.dockerode()).getContainer(c.Id).remove({ force: true, v: true });
      report.containers.push(c.Id);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) report.problems.push(`container ${c.Id.slice(0, 12)}: ${(e as Error).message}`);
    }
  }

  for (const r of records) {
    if (alive.has(r.runId)) continue;
    runs.add(r.runId);
    let ok = true;
    for (const res of [...r.resources].reverse()) {
      try {
        await releaseResource(res);
        report.resources.push(res);
      } catch (e) {
        ok = false;
        report.problems.push(`${res.kind} ${res.path}: ${(e as Error).message}`);
      }
    }
    if (ok) await rm(runRecordPath(stateDir, r.runId), { force: true });
  }

  for (const v of volumeList.Volumes ?? []) {
    const run = dead(v.Labels as Record<string, string> | null);
    if (!run) continue;
    runs.add(run);
    try {
      await (await engine.dockerode()).getVolume(v.Name).remove();
      report.volumes.push(v.Name);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) report.problems.push(`volume ${v.Name}: ${(e as Error).message}`);
    }
  }
  if (opts.services) await sweepServices(engine, filters, dead, runs, report);
  report.runs = [...runs];
  return report;
}

/**
 * A swarm job's service (and its token secret) of a dead run: removing the service makes every
 * node remove its task containers, wherever they run.
 */
async function sweepServices(
  engine: DockerEngine,
  filters: { label: string[] },
  dead: (labels: Record<string, string> | undefined | null) => string | undefined,
  runs: Set<string>,
  report: SweepReport,
): Promise<void> {
  const docker = await engine.dockerode();
  const kinds = [
    { kind: 'service', list: () => docker.listServices({ filters }), remove: (id: string) => docker.getService(id).remove() },
    { kind: 'secret', list: () => docker.listSecrets({ filters }), remove: (id: string) => docker.getSecret(id).remove() },
  ];
  for (const k of kinds) {
    let items: Array<{ ID: string; Spec?: { Name?: string; Labels?: Record<string, string> } }>;
    try {
      items = (await k.list()) as unknown as typeof items;
    } catch (e) {
      report.problems.push(`${k.kind}s: ${(e as Error).message}`);
      continue;
    }
    for (const item of items) {
      const run = dead(item.Spec?.Labels);
      if (!run) continue;
      runs.add(run);
      try {
        await k.remove(item.ID);
        report.services.push(`${k.kind} ${item.Spec?.Name ?? item.ID}`);
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) report.problems.push(`${k.kind} ${item.Spec?.Name ?? item.ID}: ${(e as Error).message}`);
      }
    }
  }
}
