/**
 * CONFIG_PROTECT as a merge applies it (docs/internals/gentoo.md#config-protect; Portage's
 * ConfigProtect and new_protect_filename): a path is protected when it lies under an entry of
 * CONFIG_PROTECT and no more specific entry of CONFIG_PROTECT_MASK; a package's file that would
 * replace a different existing file there is written as `._cfgNNNN_<name>` next to it, NNNN one
 * more than the highest such name already present.
 */
export interface ProtectConfig {
  protect: string[];
  mask: string[];
}

/** Parses `portageq envvar CONFIG_PROTECT CONFIG_PROTECT_MASK` (one value a line). */
export function parseProtect(output: string): ProtectConfig {
  const [protect = '', mask = ''] = output.split('\n');
  const words = (s: string) =>
    s
      .split(/\s+/)
      .filter((w) => w.startsWith('/'))
      .map((w) => w.replace(/\/+$/, '') || '/');
  return { protect: words(protect), mask: words(mask) };
}

/** Longest entry of `dirs` that is `path` or one of its parents (0 when none). */
function longestMatch(path: string, dirs: string[]): number {
  let best = 0;
  for (const d of dirs) if ((path === d || path.startsWith(d === '/' ? '/' : `${d}/`)) && d.length > best) best = d.length;
  return best;
}

/** `path` is absolute (`/etc/foo.conf`). */
export function isProtected(path: string, cfg: ProtectConfig): boolean {
  const p = longestMatch(path, cfg.protect);
  return p > 0 && p > longestMatch(path, cfg.mask);
}

/** The `._cfgNNNN_` name for `path` (no leading slash), given whether a path exists. */
export function protectedName(path: string, exists: (p: string) => boolean, siblings: Iterable<string>): string {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  let highest = -1;
  const re = new RegExp(`^\\._cfg(\\d{4})_${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  for (const s of siblings) {
    if (!s.startsWith(dir) || s.slice(dir.length).includes('/')) continue;
    const m = re.exec(s.slice(dir.length));
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  let n = highest + 1;
  while (exists(`${dir}._cfg${String(n).padStart(4, '0')}_${name}`)) n++;
  return `${dir}._cfg${String(n).padStart(4, '0')}_${name}`;
}
