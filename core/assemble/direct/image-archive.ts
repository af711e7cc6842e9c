/**
 * An image archive in the layout `docker save` writes and `docker load` reads: `manifest.json`,
 * the image config `<sha256>.json` and each layer as `<diff id hex>/layer.tar`. The config is
 * serialised with sorted keys, so the image ID (the sha256 of those bytes) is the same for the
 * same config and layers on any machine. Layers of the `from` image are listed in the manifest
 * but not included: the engine's loader does not read a layer whose chain it already has (the
 * from image is local: the assembly's check ran a container from it).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { stableStringify } from '../../util/hash.ts';
import type { WrittenLayer } from './layer-tar.ts';

export interface ImageConfigInput {
  /** The `config` object (Env, Cmd, Labels, ...). */
  config: Record<string, unknown>;
  os: string;
  architecture: string;
  /** Diff ids of the from image's layers (not in the archive). */
  baseDiffIds: string[];
  layers: WrittenLayer[];
  /** Seconds since the epoch: the image's `created`. */
  created: number;
}

export interface ImageArchive {
  /** `sha256:<hex>`: what the engine reports as the image ID once loaded. */
  id: string;
  configBytes: Buffer;
  stream(repoTag: string): Readable;
}

export function imageArchive(input: ImageConfigInput): ImageArchive {
  const diffIds = [...input.baseDiffIds, ...input.layers.map((l) => l.diffId)];
  const config = {
    architecture: input.architecture,
    os: input.os,
    created: new Date(input.created * 1000).toISOString(),
    config: input.config,
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const configBytes = Buffer.from(stableStringify(config));
  const hex = createHash('sha256').update(configBytes).digest('hex');
  const layerPath = (diffId: string) => `${diffId.replace(/^sha256:/, '')}/layer.tar`;
  return {
    id: `sha256:${hex}`,
    configBytes,
    stream(repoTag) {
      const tar = pack();
      const manifest = [{ Config: `${hex}.json`, RepoTags: [repoTag], Layers: diffIds.map(layerPath) }];
      const mtime = new Date(input.created * 1000);
      void (async () => {
        try {
          for (const l of input.layers) {
            const entry = tar.entry({ name: layerPath(l.diffId), size: l.size, mtime, mode: 0o644 });
            await pipeline(createReadStream(l.file), entry);
          }
          tar.entry({ name: `${hex}.json`, mtime, mode: 0o644 }, configBytes);
          tar.entry({ name: 'manifest.json', mtime, mode: 0o644 }, JSON.stringify(manifest));
          tar.finalize();
        } catch (e) {
          tar.destroy(e as Error);
        }
      })();
      return tar as unknown as Readable;
    },
  };
}
