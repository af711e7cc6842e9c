/**
 * Which incarnation of a pid is running: on Linux, the boot id and the process start time in
 * clock ticks since boot (/proc/<pid>/stat field 22). A pid is reused after its process died;
 * the pair (pid, start) is not, so a lock naming a pid that now runs with another start was
 * left by a process that no longer exists.
 */
import { readFileSync } from 'node:fs';

/** `<boot id>:<start ticks>`, or undefined where /proc does not say (not Linux, process gone). */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself contain spaces and ')': split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = rest[22 - 3];
  if (!ticks || !/^\d+$/.test(ticks)) return undefined;
  return `${bootId() ?? 'boot'}:${ticks}`;
}

let cachedBootId: string | undefined | null = null;

/** Start ticks count from boot: the boot id tells a pre-reboot lock apart from a same-tick process now. */
function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}
