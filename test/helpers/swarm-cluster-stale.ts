/**
 * A record of the test swarm clusters that are up (/run/binfarm-swarm-clusters/<tag>.json: the
 * footprint and the owning test process), so that a cluster whose test process was SIGKILLed
 * (no exit handler runs then) is swept by the next cluster that starts. A cluster is stale only
 * when its owner is gone: same PID and same start time (field 22 of /proc/<pid>/stat) still
 * running means the owner is alive, and its cluster is never touched.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweepCluster, type ClusterFootprint } from './swarm-cluster-sweep.ts';

export const RECORD_DIR = '/run/binfarm-swarm-clusters';

interface Record {
  owner: { pid: number; start: string };
  footprint: Omit<ClusterFootprint, 'pids' | 'shimSockets'> & { pids: number[]; shimSockets: string[] };
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function recordPath(tag: string): string {
  return join(RECORD_DIR, `${tag}.json`);
}

/** Notes the cluster (again, after its footprint grew) as owned by this process. */
export function recordCluster(fp: ClusterFootprint): void {
  const record: Record = {
    owner: { pid: process.pid, start: startTime(process.pid) ?? '' },
    footprint: { ...fp, pids: [...fp.pids], shimSockets: [...fp.shimSockets] },
  };
  // Written aside and renamed: a concurrent sweeper never reads half a record. Retried once: the
  // directory may be removed by another cluster's forgetCluster() between mkdir and write.
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(RECORD_DIR, { recursive: true });
      writeFileSync(`${recordPath(fp.tag)}.tmp`, JSON.stringify(record));
      renameSync(`${recordPath(fp.tag)}.tmp`, recordPath(fp.tag));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw e;
    }
  }
}

/** Removes the cluster's record, and the record directory once it is empty (no state left behind). */
export function forgetCluster(tag: string): void {
  rmSync(recordPath(tag), { force: true });
  try {
    rmdirSync(RECORD_DIR);
  } catch {}
}

/** Sweeps every recorded cluster whose owning process is gone; returns their tags. */
export function sweepStaleClusters(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(RECORD_DIR).filter((n) => /^bfsw-[0-9a-f]{6}\.json$/.test(n));
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    let record: Record;
    try {
      record = JSON.parse(readFileSync(join(RECORD_DIR, name), 'utf8')) as Record;
    } catch {
      continue;
    }
    if (startTime(record.owner.pid) === record.owner.start) continue;
    const fp = record.footprint;
    // Not by the recorded PIDs: with their owner gone they may belong to someone else by now; the
    // cluster's processes are found by its tag, cgroups and namespaces.
    sweepCluster({ ...fp, pids: new Set(), shimSockets: new Set(fp.shimSockets) });
    forgetCluster(fp.tag);
    swept.push(fp.tag);
  }
  return swept;
}
