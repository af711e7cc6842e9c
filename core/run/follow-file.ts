/**
 * Prints a file, and with `follow` keeps printing what is appended (like `tail -f`) until
 * `keepGoing()` turns false (the run ended) and nothing more came, or the signal aborts.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export interface FollowOptions {
  write(chunk: string): void;
  follow: boolean;
  keepGoing(): boolean;
  signal?: AbortSignal;
  /** Poll interval while following (ms). */
  intervalMs?: number;
}

export async function followFile(path: string, opts: FollowOptions): Promise<void> {
  const fh = await open(path, 'r');
  try {
    let pos = 0;
    const buf = Buffer.alloc(64 * 1024);
    // A chunk may end inside a multi-byte character: the decoder keeps the partial bytes.
    const decoder = new StringDecoder('utf8');
    const drain = async (): Promise<number> => {
      let total = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (!bytesRead) return total;
        pos += bytesRead;
        total += bytesRead;
        opts.write(decoder.write(buf.subarray(0, bytesRead)));
      }
    };
    await drain();
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
      const n = await drain();
      if (!n && !opts.keepGoing()) return;
    }
  } finally {
    await fh.close();
  }
}
