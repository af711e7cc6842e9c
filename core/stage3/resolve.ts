/**
 * The base image of a subject. For the base subject it comes from `options.stage3`:
 *  - `registry`: pulled unless present; digest = its RepoDigest (or image id when it has none);
 *  - `tarball`: verified and imported (tarball.ts); digest = `sha512:<hex>` of the tarball;
 *  - `local`: an image name or id; digest = the image id.
 * Every other subject builds on its parent's image: `build.parent.image`, which the runner sets
 * for a parent built in this run and, for a parent skipped as up to date, from its recorded state.
 */
import { BinfarmError } from '../errors.ts';
import type { SubjectBuild } from '../run/context.ts';
import { parseImageRef } from '../engine/reference.ts';
import { resolveTarballStage3 } from './tarball.ts';

export interface BaseImage {
  ref: string;
  digest: string;
}

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
  // One resolution per run, whichever subject asks.
  let pending = build.run.data.get(MEMO) as Promise<BaseImage> | undefined;
  if (!pending) {
    pending = resolveStage3(build);
    build.run.data.set(MEMO, pending);
    pending.catch(() => build.run.data.delete(MEMO));
  }
  const base = await pending;
  build.baseImage = base;
  build.stage3Digest = base.digest;
}

async function resolveStage3(build: SubjectBuild): Promise<BaseImage> {
  const { run } = build;
  const source = run.options.stage3;
  const engine = await run.engine();
  const output = (line: string) => build.progress.output(line);
  switch (source.type) {
    case 'registry': {
      let info = await engine.inspectImage(source.image);
      if (info) output(`stage3 image ${source.image} is present`);
      else {
        build.progress.title(`pull ${source.image}`);
        info = await engine.pull(source.image, { onProgress: output, signal: run.signal });
      }
      const { registry, repository } = parseImageRef(source.image);
      const repoName = registry === 'docker.io' ? repository.replace(/^library\//, '') : `${registry}/${repository}`;
      const repoDigest = info.repoDigests.find((d) => d.startsWith(`${repoName}@`) || d.startsWith(`${registry}/${repository}@`)) ?? info.repoDigests[0];
      const digest = repoDigest ? repoDigest.slice(repoDigest.indexOf('@') + 1) : info.id;
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
        warn: (l) => build.logger.warn(l),
      });
      return { ref: r.ref, digest: r.digest };
    }
  }
}
