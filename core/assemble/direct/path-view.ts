/**
 * The filesystem as it stands while packages are placed: the `from` image's nodes plus what each
 * placed package added. A package's paths are resolved through symlinked directories of this view
 * (a merge writes /bin/foo into usr/bin/foo when /bin -> usr/bin), because a layer entry `bin/foo`
 * would otherwise create a directory `bin` over the symlink.
 */
import { BinfarmError } from '../../errors.ts';
import type { Node } from './base-scan.ts';

const MAX_HOPS = 40;

export class PathView {
  constructor(readonly nodes: Map<string, Node>) {}

  get(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  set(path: string, node: Node): void {
    this.nodes.set(path, node);
  }

  /** `path` with every symlinked parent directory followed (the last component is kept). */
  resolveParents(path: string): string {
    return this.walk(path.split('/'), false, 0);
  }

  /** `path` with every component followed, the last one too. */
  resolveAll(path: string): string {
    return this.walk(path.split('/'), true, 0);
  }

  private walk(parts: string[], followLast: boolean, hops: number): string {
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        out.pop();
        continue;
      }
      const here = [...out, part].join('/');
      const node = this.nodes.get(here);
      const last = i === parts.length - 1;
      if (node?.type === 'symlink' && (!last || followLast)) {
        if (hops >= MAX_HOPS) throw new BinfarmError('E_ASSEMBLE', `too many levels of symbolic links resolving /${parts.join('/')} in the from image`);
        const target = node.linkname ?? '';
        const next = target.startsWith('/') ? target.split('/') : [...out, ...target.split('/')];
        return this.walk([...next, ...parts.slice(i + 1)], followLast, hops + 1);
      }
      out.push(part);
    }
    return out.join('/');
  }

  /** The node `path` ends at once every symlink is followed. */
  isDirectory(path: string): boolean {
    return this.nodes.get(this.resolveAll(path))?.type === 'directory';
  }
}
