import { existsSync, readFileSync } from 'node:fs';
import { defineCheck } from '../types.ts';

/**
 * The fastest tree mount (squashfs loop-mounted once per run) needs root, /dev/loop-control
 * and losetup. Without them the `auto` strategy falls back to a Docker volume (slower first
 * provisioning), so this is a warning unless `mount.strategy` forces squashfs.
 */
export const loopCheck = defineCheck({
  id: 'loop',
  title: 'loop devices',
  async run(ctx) {
    const forced = ctx.options.mount.strategy === 'squashfs';
    const problems: string[] = [];
    if (!ctx.isRoot) problems.push('not running as root');
    if (!existsSync('/dev/loop-control')) problems.push('/dev/loop-control is missing');
    const version = await ctx.exec('losetup', ['--version']);
    if (version.missing) problems.push('losetup is not installed');
    let free: string | undefined;
    if (!problems.length) {
      const f = await ctx.exec('losetup', ['-f']);
      if (f.ok) free = f.stdout.trim();
      else problems.push(`losetup -f failed: ${(f.stderr || f.stdout).trim().split('\n')[0]}`);
    }
    const kernel = kernelSquashfs();
    if (!problems.length) {
      const v = /(\d+\.\d+(?:\.\d+)?)/.exec(version.stdout)?.[1] ?? '';
      return {
        status: 'ok',
        summary: `root, /dev/loop-control, losetup ${v}; next free ${free}${kernel ? '' : ' (squashfs not in /proc/filesystems yet; the module loads on first mount)'}`,
      };
    }
    const hint = forced
      ? 'mount.strategy is "squashfs": run binfarm as root on a host with loop devices (`modprobe loop`), or set mount.strategy to "auto" or "volume".'
      : 'Tree mounts fall back to a Docker volume. For the squashfs mount run as root with loop devices available (`modprobe loop`; util-linux for losetup).';
    return { status: forced ? 'fail' : 'warn', summary: problems.join('; '), hint };
  },
});

function kernelSquashfs(): boolean {
  try {
    return /\bsquashfs\b/.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}
