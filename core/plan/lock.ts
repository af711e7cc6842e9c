/**
 * One run per state directory: `<stateDir>/lock` holds the pid, host, start time and command
 * of the run that owns the directory. It is created by link(2) of a complete temp file, so two
 * runs cannot both win and nobody reads a half-written lock.
 * A lock left by a process that no longer exists (same host) is taken over with a warning.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BinfarmError } from '../errors.ts';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  runId?: string;
}

export interface LockOptions {
  command: string;
  runId?: string;
  /** Where the takeover warning goes (default: stderr). */
  warn?: (message: string) => void;
}

export function lockPath(stateDir: string): string {
  return join(stateDir, 'lock');
}

/** Acquires the lock or throws E_LOCKED naming the holder; returns the release function. */
export async function acquireRunLock(stateDir: string, opts: LockOptions): Promise<() => void> {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  const mine: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: opts.command,
    ...(opts.runId ? { runId: opts.runId } : {}),
  };
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
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
    if (!holder) continue; // vanished or half-written between our attempts: try again
    if (holder.host === mine.host && !alive(holder.pid)) {
      (opts.warn ?? ((m) => process.stderr.write(`binfarm: warning: ${m}\n`)))(
        `taking over the lock ${path} left by process ${holder.pid} (${holder.command}, started ${holder.startedAt}), which no longer runs`,
      );
      removeIfSame(path, holder);
      continue;
    }
    throw new BinfarmError(
      'E_LOCKED',
      `another binfarm run holds ${path}: pid ${holder.pid} on ${holder.host} ("binfarm ${holder.command}", started ${holder.startedAt})`,
      {
        hint:
          holder.host === mine.host
            ? `Wait for process ${holder.pid} to finish, or stop it (kill ${holder.pid}); a lock of a process that has died is taken over automatically.`
            : `That run is on another machine sharing this state directory; wait for it, or delete ${path} if you know it is dead.`,
        details: { holder },
      },
    );
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
