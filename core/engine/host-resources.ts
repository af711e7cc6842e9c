/**
 * Releasing host resources (mount points, loop devices, temp dirs) — shared by the mount
 * strategies' cleanups and the orphan sweep. Each release is idempotent: an already unmounted
 * path or an already detached loop device is not an error.
 */
import { rm } from 'node:fs/promises';
import type { HostResource } from './types.ts';

/** Whether `path` is a mount point (per /proc/self/mountinfo). */
export async function isMountPoint(path: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  // Field 5 is the mount point, with spaces etc. octal-escaped.
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return info.split('\n').some((l) => l.split(' ')[4] === escaped);
}

/** Backing file of a loop device, or undefined when it is not attached. */
export async function loopBackingFile(device: string): Promise<string | undefined> {
  const { execa } = await import('execa');
  const r = await execa('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE', device], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const back = r.stdout.trim();
  return back || undefined;
}

export async function releaseResource(r: HostResource): Promise<void> {
  const { execa } = await import('execa');
  switch (r.kind) {
    case 'mount': {
      if (!(await isMountPoint(r.path))) return;
      const res = await execa('umount', [r.path], { reject: false });
      if (res.exitCode !== 0 && (await isMountPoint(r.path))) {
        // Busy (a process still has files open): detach lazily rather than leak it.
        const lazy = await execa('umount', ['-l', r.path], { reject: false });
        if (lazy.exitCode !== 0) throw new Error(`umount ${r.path} failed: ${res.stderr.trim() || lazy.stderr.trim()}`);
      }
      return;
    }
    case 'loop': {
      const back = await loopBackingFile(r.path);
      if (!back) return;
      // The device number may have been reused by someone else since: only detach our file.
      if (r.backing && !back.startsWith(r.backing)) return;
      const res = await execa('losetup', ['--detach', r.path], { reject: false });
      if (res.exitCode !== 0 && (await loopBackingFile(r.path))) throw new Error(`losetup --detach ${r.path} failed: ${res.stderr.trim()}`);
      return;
    }
    case 'dir':
      await rm(r.path, { recursive: true, force: true });
      return;
  }
}
