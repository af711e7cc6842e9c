/**
 * `squashfs`: each image is attached read-only to a loop device (`losetup -r -f --show`) and mounted
 * read-only on the host, once per run, under `<stateDir>/mounts/<runId>/`; containers get a
 * read-only bind of that directory.
 *
 * Why a host mount rather than a Docker `local` volume of type squashfs: a volume's mount lives only
 * while a container uses it (cold caches for every container, 5.0 s vs 1.35 s for a whole-tree
 * `find` measured here) unless a holder container pins it, and its loop device is set up inside the
 * daemon where binfarm cannot see or release it. The host mount is held for exactly the run, shows
 * in `findmnt`, and the run record lets the next run release it if this one dies. It needs root, loop
 * devices and an engine that shares this machine's mount namespace (a local socket).
 */
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { MountSpec } from '../../engine/types.ts';
import type { MountStrategy, RepoMount, StrategyContext } from './types.ts';

async function attachLoop(image: string): Promise<string> {
  const { execa } = await import('execa');
  let last = '';
  // losetup -f picks a free device; another process may take it first (EBUSY): try again.
  for (let i = 0; i < 5; i++) {
    const r = await execa('losetup', ['--read-only', '--find', '--show', image], { reject: false });
    if (r.exitCode === 0 && r.stdout.trim()) return r.stdout.trim();
    last = r.stderr.trim();
    await new Promise((res) => setTimeout(res, 100 * (i + 1)));
  }
  throw new BinfarmError('E_MOUNT', `cannot attach ${image} to a loop device: ${last}`, {
    hint: 'All loop devices may be in use (`losetup -a`); free some, or set mount.strategy = "volume".',
  });
}

export const squashfsStrategy: MountStrategy = {
  name: 'squashfs',
  autoPriority: 10,
  needs: () => ({ sqfs: true, dir: false }),

  async unavailable(ctx: StrategyContext) {
    if (process.getuid?.() !== 0) return 'it needs root to attach loop devices and mount (binfarm is not running as root)';
    if (!ctx.engine.local) return `the Docker engine at ${ctx.engine.host} is remote and cannot see a mount on this machine`;
    if (!existsSync('/dev/loop-control'))
      return 'this machine has no loop devices (/dev/loop-control is missing; `modprobe loop`, or in a container start it with --device /dev/loop-control)';
    const { execa } = await import('execa');
    const r = await execa('losetup', ['--version'], { reject: false });
    if (r.exitCode !== 0) return 'losetup is not installed (util-linux)';
    return undefined;
  },

  async provision(repo: RepoMount, ctx: StrategyContext): Promise<MountSpec> {
    const { execa } = await import('execa');
    const { engine, run } = ctx;
    const image = repo.artifact.sqfs!;
    const runMounts = join(run.stateDir, 'mounts', run.runId);
    const dir = join(runMounts, repo.name);
    await mkdir(dir, { recursive: true });
    engine.onCleanup(() => rmdir(runMounts).catch(() => undefined));
    engine.onCleanup(() => rmdir(dir).catch(() => undefined), { kind: 'dir', path: dir });
    const device = await attachLoop(image);
    engine.onCleanup(async () => {
      const { releaseResource } = await import('../../engine/host-resources.ts');
      await releaseResource({ kind: 'loop', path: device, backing: image });
    }, { kind: 'loop', path: device, backing: image });
    const m = await execa('mount', ['-t', 'squashfs', '-o', 'ro,nodev,nosuid', device, dir], { reject: false });
    if (m.exitCode !== 0) {
      throw new BinfarmError('E_MOUNT', `cannot mount ${image} (${device}) on ${dir}: ${m.stderr.trim()}`, {
        hint: /unknown filesystem|wrong fs type/i.test(m.stderr)
          ? 'The kernel lacks squashfs (or its zstd support): `modprobe squashfs`, or set mount.strategy = "volume".'
          : 'Check `dmesg`, or set mount.strategy = "volume".',
      });
    }
    engine.onCleanup(async () => {
      const { releaseResource } = await import('../../engine/host-resources.ts');
      await releaseResource({ kind: 'mount', path: dir });
    }, { kind: 'mount', path: dir });
    ctx.output(`${repo.name}: ${image} mounted read-only on ${dir} (${device})`);
    return { type: 'bind', source: dir, target: repo.target, readOnly: true };
  },
};
