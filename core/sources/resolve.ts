/**
 * Source resolution, once per run (or plan), before any skip decision: the stage3 digest and the
 * digest of the tree and of every overlay. In a run (`run` set) remote sources are fetched and the
 * stage3 is pulled or imported — memoised in run.data so fetchStage3 and mountPortage use the same
 * resolution. `plan` resolves what needs no network; the rest is "unknown until fetched".
 */
import type { BinfarmOptions } from '../config/schema/index.ts';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import type { Engine } from '../engine/types.ts';
import type { RunContext } from '../run/context.ts';
import { TreeCache } from '../tree/cache.ts';
import { repoIndex } from '../tree/index/store.ts';
import type { TreeContext } from '../tree/sources/index.ts';
import type { NamedIndex } from '../plan/tree-slice.ts';
import { lockedSourcesOf } from './locked-data.ts';
import { artifactOfResolved, lockedRepo } from './locked-repo.ts';
import { combinedTreeDigest, recordRepoDigests } from './repo-record.ts';
import { stage3DigestOffline } from './stage3-digest.ts';
import { repoDigest, type DigestContext } from './tree-digest.ts';
import type { RepoResolution, ResolvedSources } from './types.ts';
import { nowMs } from '../util/clock.ts';

export const SOURCES_DATA = 'binfarm:sources';
/** run.data flag set by `run --pull`. */
export const PULL_DATA = 'binfarm:pull';

export interface ResolveInput {
  options: BinfarmOptions;
  rootDir: string;
  cacheDir: string;
  /** Docker, when this resolution may use it (run: always; plan: --docker). */
  engine?: (() => Promise<Engine>) | undefined;
  /** The run: remote sources are fetched and the stage3 is pulled or imported. */
  run?: RunContext | undefined;
  pull?: boolean;
  output?: (line: string) => void;
  warn?: (line: string) => void;
}

/** The run's sources, resolved on first use (the runner asks before planning). */
export function sourcesOfRun(run: RunContext): Promise<ResolvedSources> {
  let pending = run.data.get(SOURCES_DATA) as Promise<ResolvedSources> | undefined;
  if (!pending) {
    const log = run.logger.child('sources');
    pending = resolveSources({
      options: run.options,
      rootDir: run.rootDir,
      cacheDir: run.cacheDir,
      engine: () => run.engine(),
      run,
      pull: run.data.get(PULL_DATA) === true,
      output: (l) => log.info(l),
      warn: (l) => log.warn(l),
    });
    run.data.set(SOURCES_DATA, pending);
    pending.catch(() => run.data.delete(SOURCES_DATA));
  }
  return pending;
}

export async function resolveSources(input: ResolveInput): Promise<ResolvedSources> {
  const { options, run } = input;
  const output = input.output ?? (() => {});
  const warn = input.warn ?? (() => {});
  const notes: string[] = [];
  const engine = input.engine ? await input.engine() : undefined;
  // Measured after the engine is connected (the run needs it anyway): the resolution's own cost.
  const t0 = nowMs();
  const network = !!run;

  let stage3: string | undefined;
  if (run) {
    const { stage3OfRun } = await import('../stage3/resolve.ts');
    stage3 = await unresolvedOnError(run, 'the stage3', notes, warn, async () => (await stage3OfRun(run, { output, title: output, warn: (l) => (notes.push(l), warn(l)), pull: !!input.pull })).digest);
  } else {
    const r = await stage3DigestOffline(options, input.rootDir, engine);
    stage3 = r.digest;
    if (r.note) notes.push(r.note);
  }

  const cache = new TreeCache(input.cacheDir);
  const ctxFor = (what: string): DigestContext => ({
    engine: engine ?? noEngine(what),
    engineOrUndefined: engine,
    cache,
    rootDir: input.rootDir,
    cacheDir: input.cacheDir,
    signal: run?.signal,
    output,
    warn: (l) => (notes.push(l), warn(l)),
    what,
    network,
    pull: !!input.pull,
  });
  const specs = [{ name: 'gentoo', source: options.tree, what: 'the tree' }, ...options.overlays.map((o) => ({ name: o.name, source: o.source, what: `overlay "${o.name}"` }))];
  const locked = run ? lockedSourcesOf(run) : undefined;
  const repos: RepoResolution[] = await Promise.all(
    specs.map(async (s) => {
      const pin = locked?.repos[s.name];
      // `run --locked`: the locked snapshot, wherever it can still be had (core/sources/locked-repo.ts).
      if (run && pin) {
        const r = await unresolvedOnError(run, s.what, notes, warn, () => lockedRepo(s.name, s.source, pin, ctxFor(s.what)));
        return r ?? { name: s.name, source: s.source };
      }
      const r = run
        ? ((await unresolvedOnError(run, s.what, notes, warn, () => repoDigest(s.source, ctxFor(s.what)))) ?? {})
        : await repoDigest(s.source, ctxFor(s.what));
      if (r.note) notes.push(r.note);
      return { name: s.name, source: s.source, ...(r.digest ? { digest: r.digest } : {}), ...(r.dir ? { dir: r.dir } : {}) };
    }),
  );
  const tree = repos.every((r) => r.digest) ? combinedTreeDigest(repos) : undefined;
  if (run && tree && repos.length > 1 && !repos.some((r) => r.lockMiss)) await recordRepoDigests(run.stateDir, tree, repos);

  let indexes: Promise<NamedIndex[] | undefined> | undefined;
  const buildIndexes = async (): Promise<NamedIndex[] | undefined> => {
    const out: NamedIndex[] = [];
    for (const r of repos) {
      if (!r.digest) return undefined;
      const idx = await repoIndex(input.cacheDir, r.digest, () => snapshotDir(r, ctxFor(r.name === 'gentoo' ? 'the tree' : `overlay "${r.name}"`), network));
      if (!idx) return undefined;
      out.push({ name: r.name, index: idx });
    }
    return out;
  };
  return {
    ...(stage3 ? { stage3 } : {}),
    repos,
    ...(tree ? { tree } : {}),
    notes,
    ms: Math.round(nowMs() - t0),
    indexes: () => {
      indexes ??= buildIndexes();
      indexes.catch(() => (indexes = undefined));
      return indexes;
    },
  };
}

/**
 * In a run, a source that cannot be resolved (offline registry, a plugin that provides the stage3
 * or the tree itself by claiming fetchStage3/mountPortage) stays unknown with a note: the plan
 * then falls back to the recorded digests, and the phase that needs the source fails with the
 * real error if it is the built-in one. An interrupt is never swallowed.
 */
async function unresolvedOnError<T>(run: RunContext, what: string, notes: string[], warn: (l: string) => void, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (run.signal.aborted || (isBinfarmError(e) && e.code === 'E_LOCK_SOURCE')) throw e;
    const line = `${what} could not be resolved before the plan: ${(e as Error).message.split('\n')[0]}`;
    notes.push(line);
    warn(line);
    return undefined;
  }
}

export { combinedTreeDigest } from './repo-record.ts';

/**
 * A directory holding the snapshot, to index it: the `dir` source itself; otherwise the squashfs
 * the mount would use, unpacked once per digest (core/tree/sources/common.ts extractedDir). In a
 * plan only local sources (git) are unpacked; the others are indexed by the first run.
 */
async function snapshotDir(r: RepoResolution, ctx: DigestContext, network: boolean): Promise<string | undefined> {
  if (r.dir) return r.dir;
  if (!network && r.source.type !== 'git') return undefined;
  if (r.source.type === 'image' && !ctx.engineOrUndefined) return undefined;
  const artifact = await artifactOfResolved(r, ctx as TreeContext, { sqfs: true, dir: true });
  if (artifact.digest !== r.digest) throw treeMoved(ctx.what, r.digest!, artifact.digest);
  return artifact.dir;
}

export function treeMoved(what: string, before: string, now: string): BinfarmError {
  return new BinfarmError('E_TREE', `${what} changed during the run: resolved as ${before} before the plan, now ${now}`, {
    hint: 'Do not sync or edit the tree while a run is going; run again to build from the new snapshot.',
  });
}

/** The engine of a plan without Docker: the sources that need one are never asked to use it. */
function noEngine(what: string): Engine {
  return new Proxy({} as Engine, {
    get() {
      throw new BinfarmError('E_INTERNAL', `${what}: Docker is not used by this command, but a tree source asked for it`);
    },
  });
}
