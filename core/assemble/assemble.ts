/**
 * `binfarm assemble` (tier 3, docs/internals/architecture.md#tiers): an image made from binary packages only.
 *
 *   resolve  the `from` subject's last image and binhost partition (resolve-from.ts)
 *   tree     the tree and overlays mounted as for a build (the mountPortage hook: Portage needs
 *            the profiles even when it never reads an ebuild)
 *   check    a container from that image with the partition as PKGDIR (the build container of
 *            core/phases), `emerge --usepkgonly --pretend`; every missing binpkg is reported with
 *            the subject that builds it (check-binpkgs.ts)
 *   direct   (default) binfarm writes the image from the binpkgs the check chose and loads it
 *            (direct-step.ts, docs/assemble.md#direct); when a package needs emerge, it says which
 *            and why, and the next two steps run instead
 *   emerge   `emerge --usepkgonly --with-bdeps=n` (into an empty ROOT with --slim; merge-step.ts)
 *   image    commit the container (tree, distfiles and binpkgs are mounts, so never inside), or
 *            with --slim import the ROOT alone; labelled with what it is made of (make-image.ts)
 *   publish  push like subject images (core/publish/registry.ts), with --publish
 *
 * An assembly whose inputs (from-image, the exact binpkgs, request, slim, labels) did not change
 * finds its image by content key (assembly-key.ts) and stops after the check.
 */
import type { FarmContext } from '../types.ts';
import { BinfarmError, isBinfarmError } from '../errors.ts';
import type { ContainerHandle, Engine } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { ensureBuildContainer, PKGDIR_READONLY } from '../build/build-container.ts';
import { shortKey } from '../plan/key.ts';
import { pushSubjectImage, type PushedImage } from '../publish/registry.ts';
import { ASSEMBLE_ROOT } from './argv.ts';
import { assemblyKey, displayMerge } from './assembly-key.ts';
import { checkBinpkgs, type CheckResult } from './check-binpkgs.ts';
import { ASSEMBLY_LABEL } from './labels.ts';
import { describeGap, mergedEntries, sonameGaps, type SonameGap } from './linkage.ts';
import { makeImage } from './make-image.ts';
import { mergePackages, mergeVerified } from './merge-step.ts';
import { readIndex } from './partition-index.ts';
import { silentReporter, type AssembleReporter } from './progress.ts';
import { writeAssemblyRecord } from './record.ts';
import { resolveFrom, staleReasons, type AssemblyBase } from './resolve-from.ts';
import { openSession, type AssemblySession } from './session.ts';
import { errorReport } from '../error-report.ts';
import { withLogScope } from '../log/run-sink.ts';
import { assembleDirect } from './direct-step.ts';
import { describeFallbacks } from './direct/fallback.ts';
import type { DirectResult } from './direct/write-image.ts';
import { sbomOfBuild } from '../sbom/subject-sbom.ts';
import { recordAssemblyProvenance } from '../provenance/assembly-provenance.ts';
import { pushProvenance } from '../provenance/push-provenance.ts';
import { resolveAssemblySpec, type AssembleFlags, type AssemblySpec } from './spec.ts';
import { nowMs } from '../util/clock.ts';

export interface AssembleOptions {
  flags?: AssembleFlags;
  reporter?: AssembleReporter;
  signal?: AbortSignal;
  /** Assemble again even when an image with the same content key exists. */
  force?: boolean;
  runId?: string;
  /** Replace the engine (tests); default: the run's engine with the orphan sweep. */
  engine?: Parameters<typeof openSession>[1]['engine'];
}

export interface AssembleResult {
  name: string;
  status: 'assembled' | 'up-to-date';
  key: string;
  image: { ref: string; id: string };
  /** Every local reference: `<imagePrefix>/<name>:<key12>` and the --tag one. */
  refs: string[];
  from: { subject: string; image: string; partition: string };
  /** `cat/pf-<build id>` of every package merged, in order. */
  packages: string[];
  slim: boolean;
  /** Slim: sonames the merged packages need and none of them provides (also logged as warnings). */
  linkage: SonameGap[];
  published?: PushedImage;
  runId: string;
  runDir: string;
  logFile: string;
  warnings: string[];
  ms: number;
}

export function assembleImage(farm: FarmContext, name: string, opts: AssembleOptions = {}): Promise<AssembleResult> {
  // farm loggers used by the assembly write to its log, not to a run's (core/log/run-sink.ts)
  return withLogScope(() => assembleInScope(farm, name, opts));
}

async function assembleInScope(farm: FarmContext, name: string, opts: AssembleOptions): Promise<AssembleResult> {
  // Usage and grammar errors come before any Docker work or run directory.
  const spec = resolveAssemblySpec(farm.options, name, opts.flags ?? {}, farm.subjects().keys());
  const reporter = opts.reporter ?? silentReporter;
  const session = openSession(farm, {
    name,
    reporter,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
  });
  const { run } = session;
  const t0 = nowMs();
  reporter.emit({ event: 'assemble:start', name, runId: run.runId, runDir: run.runDir });
  run.logger.info(`assemble "${name}" from "${spec.from}" with ${[...spec.with, ...spec.runtime].map((i) => i.text).join(' ')}${spec.slim ? ' (slim)' : ''}; spec from ${spec.source}`);
  try {
    const result = await steps(farm, spec, session, opts);
    reporter.emit({ event: 'assemble:end', status: 'done', ms: Math.round(nowMs() - t0), image: result.image.ref });
    return { ...result, ms: Math.round(nowMs() - t0) };
  } catch (e) {
    const interrupted = run.signal.aborted || (isBinfarmError(e) && e.code === 'E_INTERRUPTED');
    const err = interrupted && !(isBinfarmError(e) && e.code === 'E_INTERRUPTED') ? new BinfarmError('E_INTERRUPTED', `assembly "${name}" was interrupted`, { cause: e }) : e;
    reporter.emit({ event: 'assemble:end', status: interrupted ? 'interrupted' : 'failed', ms: Math.round(nowMs() - t0), error: errorReport(err) });
    throw err;
  } finally {
    await session.close();
    await reporter.close();
  }
}

async function steps(farm: FarmContext, spec: AssemblySpec, session: AssemblySession, opts: AssembleOptions): Promise<Omit<AssembleResult, 'ms'>> {
  const { run } = session;
  const o = run.options;
  const { engine, base } = await resolveBase(farm, spec, session);
  const build = session.buildOf(base.subject, { ref: base.image.ref, digest: base.image.id }, base.partition.dir);

  await session.step(
    'tree',
    async () => {
      await farm.hooks.mountPortage.promise(build);
      if (!build.tree) {
        throw new BinfarmError('E_ASSEMBLE', `the mountPortage hook did not mount the tree for assembly "${spec.name}"`, {
          hint: 'A plugin claimed mountPortage without setting build.tree; Portage needs the tree (its profiles) even for binary packages.',
        });
      }
    },
    () => `${build.tree!.mounts.length} repositor${build.tree!.mounts.length === 1 ? 'y' : 'ies'} mounted`,
  );

  let container!: ContainerHandle;
  let linkage: SonameGap[] = [];
  const check = await session.step(
    'check',
    async () => {
      // Reading binpkgs needs no write to the binhost (docs/assemble.md): bound read-only.
      build.data.set(PKGDIR_READONLY, true);
      container = await ensureBuildContainer(build);
      if (spec.slim) await mustExec(container, ['mkdir', '-p', ASSEMBLE_ROOT], `create ${ASSEMBLE_ROOT}`);
      const r = await checkBinpkgs({ farm, build, container, spec, partition: base.partition, logFile: session.logFile });
      const sources = r.merges.filter((m) => m.type === 'ebuild');
      if (sources.length) {
        throw new BinfarmError('E_ASSEMBLE', `assembly "${spec.name}" would build ${sources.map((m) => m.cpv).join(', ')} from source`, {
          hint: 'An assembly only merges binary packages; this means emerge was given options that allow ebuilds.',
        });
      }
      if (spec.slim) {
        const index = await readIndex(base.partition.dir);
        linkage = sonameGaps(mergedEntries(index, r.merges), index);
        for (const g of linkage) build.logger.warn(describeGap(g));
      }
      return r;
    },
    (r) => `${r.merges.length} binary package${r.merges.length === 1 ? '' : 's'} to merge${linkage.length ? `; ${linkage.length} library gap${linkage.length === 1 ? '' : 's'} (see warnings)` : ''}`,
  );

  const key = assemblyKey(base, spec, check.merges);
  const repo = `${o.imagePrefix}/${spec.name}`;
  const keyRef = `${repo}:${shortKey(key)}`;
  const existing = opts.force ? undefined : await engine.inspectImage(keyRef);
  let image: { ref: string; id: string };
  let status: AssembleResult['status'];
  if (existing && existing.labels[ASSEMBLY_LABEL.key] === key) {
    image = { ref: keyRef, id: existing.id };
    status = 'up-to-date';
    session.skip('emerge', `${keyRef} already holds exactly these packages (use --force to assemble again)`);
    session.skip('image', 'up to date');
  } else {
    const direct = spec.via === 'direct' ? await session.step('direct', () => directOrFallback(engine, build, container, spec, base, check, key), directNote) : undefined;
    if (direct?.kind === 'image') {
      image = { ref: keyRef, id: direct.id };
      session.skip('emerge', 'written directly from the binpkgs');
      session.skip('image', 'written directly from the binpkgs');
    } else {
      if (!direct) session.skip('direct', '--via emerge');
      // A fallback that read every binpkg has verified them (direct/read-binpkgs.ts): merge them without hashing them twice.
      const merge = direct?.kind === 'fallback' && direct.verified ? mergePackages : mergeVerified;
      await session.step('emerge', () => merge(build, container, spec, check, base.partition.dir), (n) => `merged ${n} binary package${n === 1 ? '' : 's'}${spec.slim ? ` into ${ASSEMBLE_ROOT}` : ''}`);
      image = await session.step('image', () => makeImage(engine, build, container, spec, base, check, key), (i) => `${i.ref}${spec.slim ? ' (slim)' : ''}`);
    }
    await recordAssemblyProvenance(run, { repo, image, key, from: base.image, ...(sbomOfBuild(build) ? { sbomDigest: sbomOfBuild(build)!.digest } : {}) });
    status = 'assembled';
  }
  const refs = [image.ref];
  if (spec.tag && spec.tag !== shortKey(key)) {
    await engine.tag(image.id, repo, spec.tag);
    refs.push(`${repo}:${spec.tag}`);
  }

  const from = { subject: spec.from, image: base.image.ref, partition: base.partition.rel };
  const packages = check.merges.map(displayMerge);
  const record = {
    version: 1 as const,
    name: spec.name,
    key,
    image,
    refs,
    from,
    with: spec.with.map((i) => i.text),
    slim: spec.slim,
    packages,
    runId: run.runId,
    assembledAt: new Date().toISOString(),
  };
  let published: PushedImage | undefined;
  if (spec.publish) {
    published = await session.step(
      'publish',
      async () => {
        const pushed = await pushSubjectImage(engine, o, spec.name, image, key, {
          onProgress: (l) => build.progress.output(l),
          ...(spec.tag ? { extraTags: [spec.tag] } : {}),
        });
        const att = await pushProvenance(o, run.stateDir, image, pushed);
        if (!att) run.logger.warn(`no provenance recorded for ${image.ref} (assembled before binfarm recorded provenance): none pushed`);
        return pushed;
      },
      (p) => p.refs.join(', '),
    );
    await writeAssemblyRecord(run.stateDir, {
      ...record,
      published: { images: published.refs, ...(published.digest ? { digest: published.digest } : {}), at: new Date().toISOString() },
    });
  } else {
    session.skip('publish', 'not published (use --publish)');
    await writeAssemblyRecord(run.stateDir, record);
  }
  return {
    name: spec.name,
    status,
    key,
    image,
    refs,
    from,
    packages,
    slim: spec.slim,
    linkage,
    ...(published ? { published } : {}),
    runId: run.runId,
    runDir: run.runDir,
    logFile: session.logFile,
    warnings: [...session.warnings],
  };
}

async function resolveBase(farm: FarmContext, spec: AssemblySpec, session: AssemblySession): Promise<{ engine: Engine; base: AssemblyBase }> {
  return session.step(
    'resolve',
    async () => {
      const engine = await session.run.engine();
      const base = await resolveFrom(farm, engine, session.run.stateDir, spec.from);
      const stale = await staleReasons(farm, spec.from);
      if (stale.length) {
        session.run.logger.warn(
          `subject "${spec.from}" changed since ${base.image.ref} was built (${stale.slice(0, 3).join('; ')}${stale.length > 3 ? '; ...' : ''}); assembling from that image — \`binfarm run ${spec.from}\` brings it up to date`,
        );
      }
      return { engine, base };
    },
    ({ base: b }) => `${b.image.ref}, partition ${b.partition.rel}`,
  );
}

/** The direct path (direct-step.ts), which checks the binpkgs against the index as it reads them; a fallback is logged with its reasons. */
async function directOrFallback(
  engine: Engine,
  build: SubjectBuild,
  container: ContainerHandle,
  spec: AssemblySpec,
  base: AssemblyBase,
  check: CheckResult,
  key: string,
): Promise<DirectResult> {
  const index = await readIndex(base.partition.dir);
  const repo = `${build.run.options.imagePrefix}/${spec.name}`;
  const r = await assembleDirect({ engine, build, container, spec, base, check, index, key, repo, tag: shortKey(key) });
  if (r.kind === 'fallback') {
    build.logger.warn(`assembly "${spec.name}" uses emerge instead of the direct path: ${describeFallbacks(r.fallbacks)} (docs/assemble.md#fallback)`);
  }
  return r;
}

const directNote = (r: DirectResult) => (r.kind === 'image' ? `${r.layers} layers, image ${r.id.slice(7, 19)}` : `falls back to emerge: ${describeFallbacks(r.fallbacks)}`);

async function mustExec(c: ContainerHandle, argv: string[], what: string): Promise<void> {
  const r = await c.exec(argv);
  if (r.exitCode !== 0) throw new BinfarmError('E_ASSEMBLE', `could not ${what} in the assembly container (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
}
