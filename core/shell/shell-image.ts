/**
 * Which image `binfarm shell` starts from. The subject's current image is the one its state
 * records (`<stateDir>/subjects/<name>.json`), checked to exist; `--failed` takes the newest
 * build kept by `run.keepFailed`: `<imagePrefix>/<subject>:failed-<runId>`, the committed build
 * container of a failed emerge (core/phases/emerge.ts) or the image that failed its smoke tests
 * (core/phases/promote-image.ts). Each miss is an error that says what to run.
 */
import type { Engine, ImageInfo } from '../engine/types.ts';
import { BinfarmError } from '../errors.ts';
import type { FarmContext } from '../types.ts';
import { readSubjectState } from '../plan/state.ts';

export interface ShellImage {
  ref: string;
  id: string;
  /** The binhost partition's host directory, when known (a failed build's is derived from the config). */
  partitionDir?: string;
  /** For messages: `current image` or `failed build of run <id>`. */
  what: string;
}

/** `connect` is called only once a state was found: "never built" needs no Docker. */
export async function currentImage(connect: () => Promise<Engine>, stateDir: string, name: string): Promise<ShellImage> {
  const state = await readSubjectState(stateDir, name);
  if (!state) {
    throw new BinfarmError('E_SUBJECT', `subject "${name}" has never been built: there is no image to open a shell in`, {
      hint: `Build it first: \`binfarm run ${name}\`.`,
      details: { subject: name },
    });
  }
  const engine = await connect();
  const info = (state.image.id ? await engine.inspectImage(state.image.id) : undefined) ?? (await engine.inspectImage(state.image.ref));
  if (!info) {
    throw new BinfarmError(
      'E_SUBJECT',
      `the image of subject "${name}" (${state.image.ref}, run ${state.runId}) no longer exists in the Docker engine at ${engine.host}`,
      {
        hint: `\`binfarm run ${name}\` builds it again.`,
        details: { subject: name, image: state.image.ref },
      },
    );
  }
  return { ref: state.image.ref, id: info.id, partitionDir: state.partition.dir, what: `current image ${state.image.ref}` };
}

export async function failedImage(farm: FarmContext, engine: Engine, name: string): Promise<ShellImage> {
  const repo = `${farm.options.imagePrefix}/${name}`;
  const images = await engine.listImages({ reference: [`${repo}:failed-*`] });
  const kept = images
    .flatMap((img) => img.repoTags.filter((t) => t.startsWith(`${repo}:failed-`)).map((ref) => ({ img, ref })))
    .sort((a, b) => created(b.img) - created(a.img) || b.ref.localeCompare(a.ref))[0];
  if (!kept) {
    throw new BinfarmError('E_SUBJECT', `no failed build of subject "${name}" is kept (no image ${repo}:failed-<run-id>)`, {
      hint: `Failed builds are kept only with --keep-failed: \`binfarm run ${name} --keep-failed\`, then \`binfarm shell --failed ${name}\`.`,
      details: { subject: name },
    });
  }
  const runId = kept.ref.slice(`${repo}:failed-`.length);
  return { ref: kept.ref, id: kept.img.id, what: `failed build of run ${runId} (${kept.ref})` };
}

/** Run ids sort by time (core/run/run-id.ts); the image's creation time breaks nothing when equal. */
function created(img: ImageInfo): number {
  return img.created ?? 0;
}
