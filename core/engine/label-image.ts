/**
 * A new image that is an existing image plus labels, under a new tag, without copying a byte of
 * its layers: an Engine API build of the one-line Dockerfile `FROM <image id>`, the labels given
 * as the build's `labels` parameter (sent as JSON: no Dockerfile quoting of values). The classic
 * builder resolves a local image id without any registry; the label step commits an unchanged
 * container, whose empty diff adds no layer, so the cost does not grow with the image size.
 */
import type Docker from 'dockerode';
import { BinfarmError } from '../errors.ts';
import { followProgress } from './progress.ts';

export async function buildLabelledImage(docker: Docker, imageId: string, ref: { repo: string; tag: string }, labels: Record<string, string>): Promise<string> {
  // tar-stream is imported here: a run that labels no image never needs it (docs/internals/startup.md).
  const { pack } = await import('tar-stream');
  const context = pack();
  context.entry({ name: 'Dockerfile', mtime: new Date(0) }, `FROM ${imageId}\n`);
  context.finalize();
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: `${ref.repo}:${ref.tag}`,
    labels,
    // Classic builder (no BuildKit session needed); no network for the label step; never pull.
    version: '1',
    networkmode: 'none',
    pull: false,
    rm: true,
    forcerm: true,
  });
  let id: string | undefined;
  await followProgress(docker, stream, { action: 'label image', ref: `${ref.repo}:${ref.tag}` }, (e) => {
    if (e.aux?.ID) id = e.aux.ID;
  });
  if (!id) throw new BinfarmError('E_DOCKER', `labelling ${imageId} as ${ref.repo}:${ref.tag} returned no image id`);
  return id;
}
