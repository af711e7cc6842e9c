/**
 * `volume`: a named Docker volume per snapshot (`binfarm-tree-<key>`), filled once through the API
 * (`sqfs2tar` → `PUT /archive` into a created, never started helper container) and reused by every
 * later run with the same snapshot. Works for any engine, remote ones and rootless included; costs
 * one copy of the tree on the engine's disk per snapshot. The volume carries `binfarm.cache=tree`
 * and the digest, not a run id: run cleanup and orphan sweeps leave it; prune old ones with
 * `docker volume prune --filter label=binfarm.cache=tree`. A `.binfarm-ready` file, written last,
 * marks a complete fill; a volume without it (interrupted fill) is emptied and filled again.
 */
import { BinfarmError } from '../../errors.ts';
import type { ContainerHandle, MountSpec } from '../../engine/types.ts';
import { sha256 } from '../../util/hash.ts';
import { putProducer, smallTar, sqfsTar } from './sqfs-tar.ts';
import type { MountStrategy, RepoMount, StrategyContext } from './types.ts';

export const READY_MARKER = '.binfarm-ready';

export function treeVolumeName(digest: string): string {
  return `binfarm-tree-${sha256(digest).slice(0, 24)}`;
}

async function withHelper<T>(ctx: StrategyContext, volume: string, fn: (c: ContainerHandle) => Promise<T>): Promise<T> {
  if (!ctx.helperImage) throw new BinfarmError('E_INTERNAL', 'the volume strategy needs the base image (fetchStage3 must run first)');
  const c = await ctx.engine.create({
    image: ctx.helperImage,
    cmd: ['/bin/true'],
    mounts: [{ type: 'volume', source: volume, target: '/binfarm-tree' }],
    labels: { 'binfarm.role': 'tree-volume-fill' },
  });
  try {
    return await fn(c);
  } finally {
    await c.remove();
  }
}

async function isReady(ctx: StrategyContext, volume: string): Promise<boolean> {
  return withHelper(ctx, volume, async (c) => {
    try {
      const s = await c.getArchive(`/binfarm-tree/${READY_MARKER}`);
      s.resume();
      return true;
    } catch {
      return false;
    }
  });
}

export const volumeStrategy: MountStrategy = {
  name: 'volume',
  autoPriority: 30,
  needs: () => ({ sqfs: true, dir: false }),

  async unavailable() {
    return undefined;
  },

  async provision(repo: RepoMount, ctx: StrategyContext): Promise<MountSpec> {
    const { engine } = ctx;
    const name = treeVolumeName(repo.artifact.digest);
    const exists = (await engine.listVolumes({ name: [name] })).some((v) => v.name === name);
    if (exists && (await isReady(ctx, name))) {
      ctx.output(`${repo.name}: volume ${name} already holds ${repo.artifact.digest}`);
      return { type: 'volume', source: name, target: repo.target, readOnly: true };
    }
    if (exists) {
      ctx.warn(`${repo.name}: volume ${name} was left incomplete by an interrupted run; filling it again`);
      await engine.removeVolume(name);
    }
    await engine.createVolume(name, { cache: 'tree', labels: { 'binfarm.tree.digest': repo.artifact.digest, 'binfarm.tree.repo': repo.name } });
    ctx.output(`${repo.name}: filling volume ${name} from ${repo.artifact.sqfs}`);
    const t0 = Date.now();
    await withHelper(ctx, name, async (c) => {
      await putProducer(await sqfsTar(repo.artifact.sqfs!), (s) => c.putArchive(s, '/binfarm-tree'));
      await c.putArchive(await smallTar([{ name: READY_MARKER, content: `${repo.artifact.digest}\n` }]), '/binfarm-tree');
    });
    ctx.output(`${repo.name}: volume ${name} filled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { type: 'volume', source: name, target: repo.target, readOnly: true };
  },
};
