/**
 * The base image of a subject. For the base subject it comes from `options.stage3` (under
 * `run --locked` from the lock instead: locked.ts):
 *  - `registry`: pulled unless present; digest = its RepoDigest (or image id when it has none);
 *  - `tarball`: verified and imported (tarball.ts); digest = `sha512:<hex>` of the tarball;
 *  - `local`: an image name or id; digest = the image id.
 * Every other subject builds on its parent's image: `build.parent.image`, which the runner sets
 * for a parent built in this run and, for a parent skipped as up to date, from its recorded state.
 */
import { BinfarmError } from '../errors.ts';
import type { RunContext, SubjectBuild } from '../run/context.ts';
import { lockedSourcesOf } from '../sources/locked-data.ts';
import { registryDigest } from './digest.ts';
import { resolveLockedStage3 } from './locked.ts';
import { resolveTarballStage3 } from './tarball.ts';
import type { BaseImage, Stage3Output } from './types.ts';

export { registryDigest } from './digest.ts';
export type { BaseImage, Stage3Output } from './types.ts';

const MEMO = 'binfarm:fetch-stage3';

/** Sets `build.baseImage` and `build.stage3Digest`. */
export async function resolveBaseImage(build: SubjectBuild): Promise<void> {
  if (build.subject.parent !== null) {
    const parent = build.parent;
    if (!parent?.image) {
      throw new BinfarmError(
        'E_INTERNAL',
        `subject "${build.subject.name}" builds on "${build.subject.parent}", but no image of "${build.subject.parent}" is known in this run`,
        {
          hint: 'The runner must set parent.image for a parent skipped as up to date (from its recorded state). Please report this.',
        },
      );
    }
    build.baseImage = { ref: parent.image.ref, digest: parent.image.id };
    if (parent.stage3Digest) build.stage3Digest = parent.stage3Digest;
    build.progress.output(`base image: ${parent.image.ref} (image of ${build.subject.parent})`);
    return;
  }
  // One resolution per run, whichever subject asks (the runner resolves it before the plan: core/sources/resolve.ts).
  const base = await stage3OfRun(build.run, {
    output: (l) => build.progress.output(l),
    title: (t) => build.progress.title(t),
    warn: (l) => build.logger.warn(l),
  });
  build.baseImage = base;
  build.stage3Digest = base.digest;
}

/** The stage3 of the run, resolved once (memoised in run.data; a failure is not memoised). */
export function stage3OfRun(run: RunContext, out: Stage3Output): Promise<BaseImage> {
  let pending = run.data.get(MEMO) as Promise<BaseImage> | undefined;
  if (!pending) {
    pending = resolveStage3(run, out);
    run.data.set(MEMO, pending);
    pending.catch(() => run.data.delete(MEMO));
  }
  return pending;
}

async function resolveStage3(run: RunContext, out: Stage3Output): Promise<BaseImage> {
  const source = run.options.stage3;
  const engine = await run.engine();
  const { output } = out;
  const locked = lockedSourcesOf(run);
  if (locked?.stage3) return resolveLockedStage3(run, engine, locked.stage3, locked.file, out);
  switch (source.type) {
    case 'registry': {
      let info = await engine.inspectImage(source.image);
      if (info && !out.pull) output(`stage3 image ${source.image} is present`);
      else {
        out.title(`pull ${source.image}`);
        const before = info ? registryDigest(source.image, info) : undefined;
        info = await engine.pull(source.image, { onProgress: output, signal: run.signal });
        const after = registryDigest(source.image, info);
        if (before && before !== after) out.warn(`stage3 ${source.image} moved: ${before} → ${after}`);
        else if (before) output(`stage3 ${source.image} unchanged by the pull (${after})`);
      }
      const digest = registryDigest(source.image, info);
      output(`stage3: ${source.image} ${digest}`);
      return { ref: source.image, digest };
    }
    case 'local': {
      const info = await engine.inspectImage(source.image);
      if (!info) {
        throw new BinfarmError('E_IMAGE_NOT_FOUND', `the local stage3 image "${source.image}" does not exist in the Docker engine at ${engine.host}`, {
          hint: 'Check `docker images`, import a stage3 with `docker import`, or use stage3.type = "registry" / "tarball".',
          details: { ref: source.image },
        });
      }
      output(`stage3: local image ${source.image} ${info.id}`);
      return { ref: info.id, digest: info.id };
    }
    case 'tarball': {
      const r = await resolveTarballStage3(source, {
        engine,
        rootDir: run.rootDir,
        cacheDir: run.cacheDir,
        signal: run.signal,
        imagePrefix: run.options.imagePrefix,
        output,
        warn: out.warn,
      });
      return { ref: r.ref, digest: r.digest };
    }
  }
}

