/**
 * The mountPortage phase's work: choose the mount strategy, turn the tree and every overlay into
 * what the strategy needs (cached squashfs images, directories), provision them once per run (all
 * subjects of the run share the result, memoised in `run.data`), and record `build.tree`:
 *   digest  the tree digest, or a hash of every repository's digest when overlays are configured;
 *   mounts  read-only mounts for the build containers (gentoo at /var/db/repos/gentoo, each overlay
 *           at /var/db/repos/<name>);
 *   repos   repository name (profiles/repo_name) → location, for repos.conf.
 */
import { BinfarmError, isBinfarmError } from '../errors.ts';
import type { MountSpec } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { stableHash } from '../util/hash.ts';
import { TreeCache } from './cache.ts';
import type { MountStrategyRegistry } from './mount/registry.ts';
import type { MountStrategy, RepoMount, StrategyContext } from './mount/types.ts';
import { resolveTreeSource, type TreeContext, type TreeSource } from './sources/index.ts';
import { SOURCES_DATA, treeMoved } from '../sources/resolve.ts';
import { lockedSourcesOf } from '../sources/locked-data.ts';
import { artifactOfResolved } from '../sources/locked-repo.ts';
import type { ResolvedSources } from '../sources/types.ts';

export const GENTOO_LOCATION = '/var/db/repos/gentoo';
const MEMO = 'binfarm:mount-portage';

export interface TreeSetup {
  strategy: MountStrategy;
  ctx: StrategyContext;
  repos: RepoMount[];
  mounts: MountSpec[];
  digest: string;
  locations: Record<string, string>;
}

export async function mountTrees(build: SubjectBuild, registry: MountStrategyRegistry): Promise<TreeSetup> {
  const { run } = build;
  let pending = run.data.get(MEMO) as Promise<TreeSetup> | undefined;
  if (!pending) {
    pending = provideTrees(build, registry);
    run.data.set(MEMO, pending);
    pending.catch(() => run.data.delete(MEMO));
  }
  const setup = await pending;
  await agreeWithResolved(run, setup);
  await setup.strategy.prepareBuild?.(build, setup.repos, setup.ctx);
  build.tree = { digest: setup.digest, mounts: setup.mounts, repos: setup.locations };
  return setup;
}

async function chooseStrategy(
  base: Omit<StrategyContext, 'auto'>,
  registry: MountStrategyRegistry,
  forced: string,
): Promise<{ strategy: MountStrategy; ctx: StrategyContext }> {
  if (forced !== 'auto') {
    const ctx = { ...base, auto: false };
    const strategy = registry.get(forced);
    const why = await strategy.unavailable(ctx);
    if (why) {
      throw new BinfarmError('E_MOUNT', `mount.strategy "${forced}" cannot work here: ${why}`, {
        hint: 'Fix that, or set mount.strategy = "auto" to let binfarm pick one that works (volume works everywhere).',
      });
    }
    return { strategy, ctx };
  }
  const ctx = { ...base, auto: true };
  const skipped: string[] = [];
  for (const s of registry.autoCandidates()) {
    const why = await s.unavailable(ctx);
    if (!why) {
      // Not being root is the normal case for volume users; a root run without loop devices is worth a warning.
      const notable = skipped.filter((l) => !/not running as root|not every repository is a local directory/.test(l));
      if (notable.length) base.warn(`tree mount: using "${s.name}" because ${notable.join('; ')}`);
      return { strategy: s, ctx };
    }
    skipped.push(`${s.name} is not possible: ${why}`);
  }
  throw new BinfarmError('E_MOUNT', `no mount strategy works here (${skipped.join('; ')})`);
}

async function provideTrees(build: SubjectBuild, registry: MountStrategyRegistry): Promise<TreeSetup> {
  const { run } = build;
  const engine = await run.engine();
  const output = (l: string) => build.progress.output(l);
  const warn = (l: string) => build.logger.warn(l);
  const { tree, overlays } = run.options;
  const sources = [tree, ...overlays.map((o) => o.source)];
  let { strategy, ctx } = await chooseStrategy({ run, engine, sources, helperImage: build.baseImage?.ref, output, warn }, registry, run.options.mount.strategy);
  output(`tree mount strategy: ${strategy.name}${ctx.auto ? ' (auto)' : ''}`);

  const cache = new TreeCache(run.cacheDir);
  const treeCtx = (what: string): TreeContext => ({ engine, cache, rootDir: run.rootDir, cacheDir: run.cacheDir, signal: run.signal, output, warn, what });
  const repos: RepoMount[] = [];
  const seen = new Set<string>();
  const add = (r: RepoMount, where: string) => {
    if (seen.has(r.name)) {
      throw new BinfarmError('E_TREE', `two repositories are named "${r.name}" (${where})`, {
        hint: 'Each overlay needs its own profiles/repo_name and config name.',
      });
    }
    seen.add(r.name);
    repos.push(r);
  };

  // `run --locked`: the snapshots the resolution pinned (core/sources/locked-repo.ts), not today's.
  const pinned = lockedSourcesOf(run) ? (await (run.data.get(SOURCES_DATA) as Promise<ResolvedSources> | undefined))?.repos : undefined;
  const artifactOf = (i: number, source: TreeSource, what: string) =>
    pinned?.[i] ? artifactOfResolved(pinned[i], treeCtx(what), strategy.needs(source)) : resolveTreeSource(source, treeCtx(what), strategy.needs(source));
  const main = await artifactOf(0, tree, 'the tree');
  if (main.repoName !== 'gentoo') warn(`the tree's profiles/repo_name is "${main.repoName}", not "gentoo"; it is mounted at ${GENTOO_LOCATION} all the same`);
  add({ name: main.repoName, target: GENTOO_LOCATION, artifact: main }, 'the tree');
  for (const [i, o] of overlays.entries()) {
    const artifact = await artifactOf(i + 1, o.source, `overlay "${o.name}"`);
    if (artifact.repoName !== o.name) {
      throw new BinfarmError('E_TREE', `overlay "${o.name}": its profiles/repo_name says "${artifact.repoName}"`, {
        hint: `Portage names a repository by profiles/repo_name: name the overlay "${artifact.repoName}" in binfarm.config.ts, or change its profiles/repo_name to "${o.name}".`,
      });
    }
    add({ name: o.name, target: `/var/db/repos/${o.name}`, artifact }, `overlay "${o.name}"`);
  }

  let mounts: MountSpec[];
  try {
    mounts = await provisionAll(strategy, repos, ctx);
  } catch (e) {
    // A squashfs chosen by auto that fails at mount time (no free loop device, no zstd support...)
    // falls back to volumes, which need the same images.
    if (!(ctx.auto && strategy.name === 'squashfs' && isBinfarmError(e) && e.code === 'E_MOUNT')) throw e;
    warn(`tree mount: squashfs failed (${e.message}); falling back to "volume"`);
    strategy = registry.get('volume');
    ctx = { ...ctx };
    mounts = await provisionAll(strategy, repos, ctx);
  }
  const digest = repos.length === 1 ? main.digest : `sha256:${stableHash(repos.map((r) => [r.name, r.artifact.digest]))}`;
  return { strategy, ctx, repos, mounts, digest, locations: Object.fromEntries(repos.map((r) => [r.name, r.target])) };
}

async function provisionAll(strategy: MountStrategy, repos: RepoMount[], ctx: StrategyContext): Promise<MountSpec[]> {
  const mounts: MountSpec[] = [];
  for (const r of repos) {
    const m = await strategy.provision(r, ctx);
    if (m) mounts.push(m);
  }
  return mounts;
}

/** The mounted snapshots must be the ones the plan decided on (resolved before it: core/sources/resolve.ts). */
async function agreeWithResolved(run: SubjectBuild['run'], setup: TreeSetup): Promise<void> {
  const pending = run.data.get(SOURCES_DATA) as Promise<ResolvedSources> | undefined;
  if (!pending) return;
  const resolved = await pending;
  setup.repos.forEach((r, i) => {
    const before = resolved.repos[i]?.digest;
    if (before && before !== r.artifact.digest) throw treeMoved(i === 0 ? 'the tree' : `overlay "${r.name}"`, before, r.artifact.digest);
  });
}
