/**
 * Demultiplexed container output: split into complete lines for `onLine` (UTF-8 safe across
 * chunk boundaries, `\r\n` tolerated) and keep a bounded tail of each stream for the result.
 */
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export type StreamName = 'stdout' | 'stderr';

/** Buffers partial lines; emits each complete line once. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.emit(p.endsWith('\r') ? p.slice(0, -1) : p);
  }

  /** Emits what is left (a last line without a newline). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.emit(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
}

/** Keeps the last `limit` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
    if (this.size > this.limit) {
      const only = this.chunks[0]!;
      this.chunks = [only.subarray(only.length - this.limit)];
      this.size = this.limit;
      this.truncated = true;
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Two writables for `demuxStream` that feed line callbacks and bounded tails. */
export class OutputCollector {
  readonly stdout: Writable;
  readonly stderr: Writable;
  private readonly tails: Record<StreamName, Tail>;
  private readonly splitters: Record<StreamName, LineSplitter | undefined>;

  constructor(onLine?: (line: string, stream: StreamName) => void, keepBytes = 1024 * 1024) {
    this.tails = { stdout: new Tail(keepBytes), stderr: new Tail(keepBytes) };
    this.splitters = {
      stdout: onLine ? new LineSplitter((l) => onLine(l, 'stdout')) : undefined,
      stderr: onLine ? new LineSplitter((l) => onLine(l, 'stderr')) : undefined,
    };
    this.stdout = this.sink('stdout');
    this.stderr = this.sink('stderr');
  }

  private sink(name: StreamName): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.tails[name].push(chunk);
        try {
          this.splitters[name]?.push(chunk);
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
    });
  }

  /** Flushes partial lines; call once the stream ended. */
  finish(): { stdout: string; stderr: string } {
    this.splitters.stdout?.end();
    this.splitters.stderr?.end();
    return { stdout: this.tails.stdout.text(), stderr: this.tails.stderr.text() };
  }
}
