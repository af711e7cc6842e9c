import type { FileOp } from '../strategy.ts';

/** What the image has at a path (only the paths binfarm looked at). */
export type ImageEntry =
  | { kind: 'file'; content: string | Uint8Array; mode?: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'dir' };

/**
 * An in-memory view of the relevant part of the image's filesystem (absolute paths). The
 * planner applies each operation to it, so later strategies see earlier changes; tests use it
 * to check a plan's effect without Docker.
 */
export class ImageState {
  readonly entries = new Map<string, ImageEntry>();

  constructor(initial?: Iterable<[string, ImageEntry]>) {
    if (initial) for (const [p, e] of initial) this.entries.set(p, e);
  }

  get(path: string): ImageEntry | undefined {
    return this.entries.get(path);
  }

  /** Text content of a regular file, undefined when missing or not a file. */
  text(path: string): string | undefined {
    const e = this.entries.get(path);
    if (e?.kind !== 'file') return undefined;
    return typeof e.content === 'string' ? e.content : Buffer.from(e.content).toString('utf8');
  }

  /** Names directly inside `dir`. */
  children(dir: string): Set<string> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const out = new Set<string>();
    for (const p of this.entries.keys()) {
      if (p.startsWith(prefix)) out.add(p.slice(prefix.length).split('/')[0]!);
    }
    return out;
  }

  apply(op: FileOp): void {
    switch (op.op) {
      case 'write':
        this.removeTree(op.path, true);
        this.entries.set(op.path, { kind: 'file', content: op.content, ...(op.mode !== undefined ? { mode: op.mode } : {}) });
        break;
      case 'symlink':
        this.removeTree(op.path, true);
        this.entries.set(op.path, { kind: 'symlink', target: op.target });
        break;
      case 'remove':
        this.removeTree(op.path, false);
        break;
      case 'rename': {
        const e = this.entries.get(op.from);
        this.entries.delete(op.from);
        this.removeTree(op.to, true);
        if (e) this.entries.set(op.to, e);
        break;
      }
    }
  }

  /** Removes a path and, unless `keepChildren`, everything below it. */
  private removeTree(path: string, keepChildren: boolean): void {
    this.entries.delete(path);
    if (keepChildren) return;
    for (const p of [...this.entries.keys()]) if (p.startsWith(`${path}/`)) this.entries.delete(p);
  }
}
