/**
 * CONTENTS of /var/db/pkg/<cat>/<pf>/ as Portage writes it (lib/portage/dbapi/vartree.py,
 * write_contents): one line per merged path, sorted by path, paths as in the package's image
 * (a file merged through the /bin -> usr/bin symlink is still `/bin/...`):
 *
 *   dir <path>
 *   obj <path> <md5> <mtime>
 *   sym <path> -> <target> <mtime>
 *
 * mtimes in whole seconds. Paths may hold spaces, so a parser reads obj fields from the end.
 */
import { createHash } from 'node:crypto';

export type ContentsLine =
  { type: 'dir'; path: string } | { type: 'obj'; path: string; md5: string; mtime: number } | { type: 'sym'; path: string; target: string; mtime: number };

export function formatContents(lines: ContentsLine[]): string {
  const sorted = [...lines].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sorted.map(formatLine).join('');
}

function formatLine(l: ContentsLine): string {
  if (l.type === 'obj') return `obj ${l.path} ${l.md5} ${l.mtime}\n`;
  if (l.type === 'sym') return `sym ${l.path} -> ${l.target} ${l.mtime}\n`;
  return `dir ${l.path}\n`;
}

export function parseContentsLine(line: string): ContentsLine | undefined {
  if (line.startsWith('dir ')) return { type: 'dir', path: line.slice(4) };
  if (line.startsWith('obj ')) {
    const m = /^obj (.+) ([0-9a-f]{32}) (\d+)$/.exec(line);
    return m ? { type: 'obj', path: m[1]!, md5: m[2]!, mtime: Number(m[3]) } : undefined;
  }
  if (line.startsWith('sym ')) {
    const m = /^sym (.+?) -> (.*) (\d+)$/.exec(line);
    return m ? { type: 'sym', path: m[1]!, target: m[2]!, mtime: Number(m[3]) } : undefined;
  }
  return undefined;
}

export const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');
