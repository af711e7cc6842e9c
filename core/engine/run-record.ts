/**
 * The run record: `<stateDir>/engine/runs/<runId>.json` says "run X of pid P on host H is alive
 * and holds these host resources (loop devices, mounts)". It exists from engine creation until the
 * run's cleanup finished. A record whose process is gone, or Docker objects of a run without a
 * record, are leftovers of a dead run: sweepOrphans (orphans.ts) releases them.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import type { HostResource } from './types.ts';

export interface RunRecord {
  runId: string;
  pid: number;
  host: string;
  startedAt: string;
  resources: HostResource[];
}

export function runRecordDir(stateDir: string): string {
  return join(stateDir, 'engine', 'runs');
}

export function runRecordPath(stateDir: string, runId: string): string {
  return join(runRecordDir(stateDir), `${runId}.json`);
}

/** Writes are serialised so concurrent resource updates never lose one another. */
export class RunRecordFile {
  private record: RunRecord;
  private chain: Promise<void> = Promise.resolve();
  private removed = false;

  constructor(
    private readonly stateDir: string,
    runId: string,
  ) {
    this.record = { runId, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), resources: [] };
  }

  get path(): string {
    return runRecordPath(this.stateDir, this.record.runId);
  }

  private write(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.removed) return;
      await writeFileAtomic(this.path, `${JSON.stringify(this.record, null, 2)}\n`);
    });
    return this.chain;
  }

  create(): Promise<void> {
    this.removed = false;
    return this.write();
  }

  addResource(r: HostResource): Promise<void> {
    this.record.resources.push(r);
    return this.write();
  }

  removeResource(r: HostResource): Promise<void> {
    this.record.resources = this.record.resources.filter((x) => !(x.kind === r.kind && x.path === r.path));
    return this.write();
  }

  async remove(): Promise<void> {
    await this.chain;
    this.removed = true;
    await rm(this.path, { force: true });
  }
}

export async function readRunRecords(stateDir: string): Promise<RunRecord[]> {
  let names: string[];
  try {
    names = await readdir(runRecordDir(stateDir));
  } catch {
    return [];
  }
  const out: RunRecord[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(await readFile(join(runRecordDir(stateDir), n), 'utf8')) as RunRecord);
    } catch {
      // A half-written record cannot exist (atomic writes); an unreadable one is not ours to judge.
    }
  }
  return out;
}

/** Whether the process of a record on this host still runs. */
export function recordAlive(r: RunRecord): boolean {
  if (r.host !== hostname()) return true; // another machine: we cannot tell, so never touch it
  try {
    process.kill(r.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
