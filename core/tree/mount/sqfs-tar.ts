/** Tar streams out of a squashfs image (`sqfs2tar`), and tiny in-memory tars. */
import type { Readable } from 'node:stream';
import { processProducer, type TarProducer } from '../squashfs-build.ts';

/** The image as a tar stream; with `rootName`, every entry sits under that directory. */
export function sqfsTar(image: string, rootName?: string): Promise<TarProducer> {
  return processProducer('sqfs2tar', [...(rootName ? ['--root-becomes', rootName] : []), image], image);
}

/** A tar holding the given directories and small files (names relative, no leading /). */
export async function smallTar(entries: Array<{ name: string; content?: string; mode?: number }>): Promise<Buffer> {
  const { default: tarStream } = await import('tar-stream');
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    if (e.content === undefined) pack.entry({ name: e.name, type: 'directory', mode: e.mode ?? 0o755 });
    else pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.content);
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Uploads a producer's stream with `put`, failing when the producer failed. */
export async function putProducer(producer: TarProducer, put: (s: Readable) => Promise<void>): Promise<void> {
  let putError: unknown;
  try {
    await put(producer.stream);
  } catch (e) {
    putError = e;
    producer.kill?.();
  }
  const failed = await producer.done?.then(() => undefined, (e: unknown) => e);
  if (failed && !putError) throw failed;
  if (putError) throw putError;
}
