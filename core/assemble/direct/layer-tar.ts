/**
 * One deterministic layer: a plain tar of entries sorted by path (bytes), hard links after all
 * other entries (an engine applying the layer links to a target it has already written), every header the same
 * for the same entry (numeric and named owners as in the binpkg, mode, one fixed mtime, no
 * atime/ctime), written to a file while its sha256 (the layer's diff id) is computed. Same entries
 * → same bytes → same diff id, so the engine and a registry store a package's layer once.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';

export interface LayerEntry {
  /** Relative to `/`, no leading or trailing slash. */
  path: string;
  /** `link`: a hard link to `linkname`, a file of the same layer. */
  type: 'file' | 'directory' | 'symlink' | 'link';
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname?: string;
  data?: Buffer;
}

export interface WrittenLayer {
  file: string;
  diffId: string;
  size: number;
}

const byPath = (a: LayerEntry, b: LayerEntry) =>
  (a.type === 'link' ? 1 : 0) - (b.type === 'link' ? 1 : 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export async function writeLayer(entries: Iterable<LayerEntry>, file: string): Promise<WrittenLayer> {
  const sorted = [...entries].sort(byPath);
  const tar = pack();
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const written = pipeline(tar, tap, createWriteStream(file));
  for (const e of sorted) {
    const header = {
      name: e.type === 'directory' ? `${e.path}/` : e.path,
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      uname: e.uname,
      gname: e.gname,
      mtime: new Date(e.mtime * 1000),
      ...(e.type === 'symlink' || e.type === 'link' ? { linkname: e.linkname ?? '' } : {}),
      ...(e.type === 'file' ? { size: e.data?.length ?? 0 } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      tar.entry(header, e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : '', (err) => (err ? reject(err) : resolve()));
    });
  }
  tar.finalize();
  await written;
  return { file, diffId: `sha256:${hash.digest('hex')}`, size: (await stat(file)).size };
}
