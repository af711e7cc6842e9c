import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * An append-only log file written line by line with synchronous writes: lines keep their
 * order, nothing is lost when the process exits, and the last lines stay in memory so a
 * failure can show them without reading the file back.
 */
export class LogFile {
  readonly path: string;
  private fd: number | undefined;
  private readonly tailLines: string[] = [];

  constructor(path: string, private readonly keep = 30) {
    this.path = path;
    this.fd = openSync(path, 'a');
  }

  line(text: string): void {
    for (const l of text.split('\n')) {
      if (this.fd !== undefined) writeSync(this.fd, `${l}\n`);
      this.tailLines.push(l);
      if (this.tailLines.length > this.keep) this.tailLines.shift();
    }
  }

  /** The last lines written (at most `keep`). */
  tail(): string[] {
    return [...this.tailLines];
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** `2026-11-25T21:06:03.123Z` prefix for run.log lines. */
export function stamp(date = new Date()): string {
  return date.toISOString();
}
