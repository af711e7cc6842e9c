/**
 * `binfarm sbom <subject|image>` (the command module is core/cli/commands/sbom.ts): prints the SPDX
 * document. A subject of the farm: from its current image, or from the run that built it when the
 * image is gone (or from `--run <id>`). Anything else is an image reference: a local image, else
 * pulled from its registry; its SBOM is the file its `binfarm.sbom` label names.
 */
import { readFile } from 'node:fs/promises';
import type { CommandContext } from '../cli/command.ts';
import { DOCKER_HUB, parseImageRef } from '../engine/reference.ts';
import type { Engine } from '../engine/types.ts';
import { BinfarmError } from '../errors.ts';
import { readSubjectState } from '../plan/state.ts';
import { runDirOf } from '../run/paths.ts';
import { engineFor, optionalConfig } from '../verify/cli-support.ts';
import { readImageSbom, SBOM_LABEL, SBOM_PATH, withImageContainer } from './image-sbom.ts';
import { runSbomPath } from './subject-sbom.ts';

async function fromImage(engine: Engine, ref: string, pull: boolean): Promise<string | undefined> {
  let info = await engine.inspectImage(ref);
  if (!info && pull) info = await engine.pull(ref);
  if (!info) return undefined;
  const path = info.labels[SBOM_LABEL] || SBOM_PATH;
  const bytes = await withImageContainer(engine, info.id, (c) => readImageSbom(c, path));
  if (!bytes)
    throw new BinfarmError('E_SBOM', `image ${ref} has no SBOM at ${path}`, {
      hint: 'Images built before binfarm made SBOMs have none: build the subject again.',
    });
  return bytes.toString('utf8');
}

async function fromFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((e: unknown) => {
    throw new BinfarmError('E_SBOM', `no SBOM at ${path}: ${(e as Error).message}`, {
      cause: e,
      hint: 'That run did not build the subject (see `binfarm runs`).',
    });
  });
}

export async function sbomText(target: string, opts: { run?: string }, ctx: CommandContext): Promise<string> {
  const farm = await optionalConfig(ctx);
  const state = farm.stateDir && !target.includes('/') && !target.includes(':') ? await readSubjectState(farm.stateDir, target) : undefined;
  if (opts.run) {
    if (!farm.stateDir) throw new BinfarmError('E_USAGE', "--run needs the farm's config (the run directories are in its state dir)");
    return fromFile(runSbomPath(runDirOf(farm.stateDir, opts.run), target));
  }
  const engine = await engineFor(ctx, farm, 'sbom');
  try {
    if (state) {
      const text = await fromImage(engine, state.image.id, false);
      return text ?? (await fromFile(runSbomPath(runDirOf(farm.stateDir!, state.runId), target)));
    }
    const text = await fromImage(engine, target, parseImageRef(target).registry !== DOCKER_HUB);
    if (text === undefined) {
      throw new BinfarmError('E_IMAGE_NOT_FOUND', `"${target}" is neither a built subject of this farm nor an image in ${engine.host}`, {
        hint: 'Name a subject (see `binfarm status`), a local image or a pushed one as <registry>/<repo>:<tag>.',
      });
    }
    return text;
  } finally {
    await engine.cleanup();
  }
}
