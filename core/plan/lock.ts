/**
 * One run per state directory: `<stateDir>/lock` holds the pid, host, start time and command
 * of the run that owns the directory. It is created by link(2) of a complete temp file, so two
 * runs cannot both win and nobody reads a half-written lock.
 * A lock left by a process that no longer exists (same host) is taken over with a warning; so is
 * one whose pid now belongs to another process (the recorded start time differs: pid reuse), and
 * an unreadable lock (empty, not JSON) once it is older than a grace period.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinfarmError } from '../errors.ts';
import { processStart } from './process-start.ts';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  runId?: string;
  /** The holder's process start (process-start.ts), to tell it from a later process reusing its pid. */
  procStart?: string;
}

/**
 * binfarm writes its lock in one step, so an unreadable lock was not written by a run starting
 * now; the grace still leaves room for a tool that creates the file first and writes it after.
 */
export const UNREADABLE_LOCK_GRACE_MS = 5000;

export interface LockOptions {
  command: string;
  runId?: string;
  /** Where the takeover warning goes (default: stderr). */
  warn?: (message: string) => void;
  /** Age after which an unreadable lock file counts as stale (default UNREADABLE_LOCK_GRACE_MS). */
  unreadableGraceMs?: number;
}

export function lockPath(stateDir: string): string {
  return join(stateDir, 'lock');
}

/** Acquires the lock or throws E_LOCKED naming the holder; returns the release function. */
export async function acquireRunLock(stateDir: string, opts: LockOptions): Promise<() => void> {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  const procStart = processStart(process.pid);
  const mine: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: opts.command,
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(procStart ? { procStart } : {}),
  };
  const text = `${JSON.stringify(mine)}\n`;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`binfarm: warning: ${m}\n`));
  const graceMs = opts.unreadableGraceMs ?? UNREADABLE_LOCK_GRACE_MS;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (tryCreate(path, text)) {
      const release = (): void => {
        process.removeListener('exit', release);
        const current = readLock(path);
        if (current && current.pid === mine.pid && current.startedAt === mine.startedAt) {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        }
      };
      // A crash between here and release leaves a lock of a dead pid: taken over next time.
      process.once('exit', release);
      return release;
    }
    const holder = readLock(path);
    if (!holder) {
      const garbage = unreadableLock(path);
      if (!garbage) continue; // vanished between our attempts: try again
      const age = Date.now() - garbage.mtimeMs;
      if (age < graceMs) {
        await sleep(graceMs - age + 50);
        continue;
      }
      warn(`taking over the lock ${path}: it is ${garbage.size ? 'not a binfarm lock (no JSON with a pid)' : 'empty'} and ${Math.round(age / 1000)} s old`);
      removeIfUnchanged(path, garbage);
      continue;
    }
    const stale = holder.host === mine.host ? whyStale(holder) : undefined;
    if (stale) {
      warn(`taking over the lock ${path} left by process ${holder.pid} (${holder.command}, started ${holder.startedAt}), ${stale}`);
      removeIfSame(path, holder);
      continue;
    }
    throw new BinfarmError('E_LOCKED', `another binfarm run holds ${path}: pid ${holder.pid} on ${holder.host} ("binfarm ${holder.command}", started ${holder.startedAt})`, {
      hint:
        holder.host === mine.host
          ? `Wait for process ${holder.pid} to finish, or stop it (kill ${holder.pid}); a lock of a process that has died is taken over automatically.`
          : `That run is on another machine sharing this state directory; wait for it, or delete ${path} if you know it is dead.`,
      details: { holder },
    });
  }
  throw new BinfarmError('E_LOCKED', `could not acquire ${path}: it keeps changing hands`, { hint: 'Another run is starting at the same time; try again.' });
}

/** Reads the lock; undefined when missing or not (yet) complete JSON. */
export function readLock(path: string): LockInfo | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the lock with its content in one step (link of a complete temp file), or returns false. */
function tryCreate(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Why a lock of this host no longer protects anything, or undefined while its process runs. */
function whyStale(holder: LockInfo): string | undefined {
  if (!alive(holder.pid)) return 'which no longer runs';
  // Locks without a start time (older binfarm, no /proc) are trusted while the pid runs.
  const now = holder.procStart ? processStart(holder.pid) : undefined;
  if (now && now !== holder.procStart) return `which no longer runs (pid ${holder.pid} now belongs to a process started at another time)`;
  return undefined;
}

interface UnreadableLock {
  mtimeMs: number;
  size: number;
  ino: number;
}

/** The lock file's identity when it exists but is not a lock binfarm can read; undefined when it is gone. */
function unreadableLock(path: string): UnreadableLock | undefined {
  try {
    const st = statSync(path);
    return readLock(path) ? undefined : { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino };
  } catch {
    return undefined;
  }
}

/** Removes the unreadable lock only if nobody replaced or rewrote it since we judged it. */
function removeIfUnchanged(path: string, seen: UnreadableLock): void {
  const now = unreadableLock(path);
  if (now && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs && now.size === seen.size) {
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the stale lock only if it is still the one we judged stale (another taker may have won). */
function removeIfSame(path: string, stale: LockInfo): void {
  const now = readLock(path);
  if (now && now.pid === stale.pid && now.startedAt === stale.startedAt) {
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first
    }
  }
}
