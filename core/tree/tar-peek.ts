/**
 * The top directory of a tar stream, read from its first headers: snapshots wrap the tree in
 * `gentoo-YYYYMMDD/` (or `portage/` before 2026), and `gentoo-latest.tar.xz` does not say which
 * date, so the name is taken from the archive itself. pax (`x`, `g`) and GNU long-name (`L`)
 * records are honoured.
 */
function field(buf: Buffer, start: number, len: number): string {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function paxPath(body: string): string | undefined {
  for (const rec of body.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(rec);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * First path component of the first real entry, or undefined when entries sit at the root.
 * A flat archive whose first entry happens to be a directory is indistinguishable here; the
 * profiles/repo_name check on the built image catches that case.
 */
export function tarTopDir(head: Buffer): string | undefined {
  let off = 0;
  let nextName: string | undefined;
  while (off + 512 <= head.length) {
    const h = head.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return undefined;
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 48);
    const bodyEnd = off + 512 + Math.ceil(size / 512) * 512;
    if (type === 'x' || type === 'g' || type === 'L') {
      const body = head.subarray(off + 512, Math.min(off + 512 + size, head.length)).toString('utf8');
      if (type === 'x') nextName = paxPath(body) ?? nextName;
      if (type === 'L') nextName = body.replace(/\0+$/, '');
      off = bodyEnd;
      continue;
    }
    const magic = field(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(h, 345, 155) : '';
    const raw = nextName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    // An entry for the archive root (`./`) means the tree sits at the root (`tar -C gentoo -cf - .`).
    if (raw === '.' || raw === './' || raw === '/') return undefined;
    const name = raw.replace(/^\.\//, '');
    const slash = name.indexOf('/');
    if (slash < 0) return type === '5' ? name : undefined;
    return name.slice(0, slash);
  }
  return undefined;
}
