/**
 * What a swarm job may upload, as paths relative to its incoming area: its PKGDIR's `Packages`
 * index, GPKG binpkgs in Portage's PKGDIR layout (multi-instance `<cat>/<pn>/<pf>-<id>.gpkg.tar`
 * or `<cat>/<pf>.gpkg.tar`; docs/internals/gentoo.md#pkgdir) and build logs under `logs/`
 * (PORTAGE_LOGDIR's names, `<cat>:<pf>:<ts>.log`). Everything else is refused with the reason,
 * before a byte is written: no `..`, no absolute path, no dotfile, a small character set.
 */

export type UploadKind = 'index' | 'binpkg' | 'log';

export type UploadPathVerdict = { ok: true; kind: UploadKind; segments: string[] } | { ok: false; reason: string };

/** A category as Portage accepts it (dbapi `_category_re`). */
const CATEGORY = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
/** A package name: starts with a letter, digit or `_` (PMS 3.1.2). */
const PN = /^[A-Za-z0-9_][A-Za-z0-9_+-]*$/;
/** A version as PMS 3.2 defines it, with an optional revision. */
const VERSION = '[0-9]+(?:\\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)[0-9]*)*(?:-r[0-9]+)?';
/** `<pn>-<version>`: captures pn. */
const PF = new RegExp(`^([A-Za-z0-9_][A-Za-z0-9_+-]*?)-${VERSION}$`);
const LOG_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+:-]*$/;
/** Names that would collide with the index or the log directory of the incoming area. */
const RESERVED_CATEGORIES = new Set(['Packages', 'logs']);

/** A job id as it appears in URLs and directory names (no `.`: `<id>.rejected` must never be another job's area). */
export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function checkUploadPath(rel: string): UploadPathVerdict {
  if (rel.length > 1024) return { ok: false, reason: 'path longer than 1024 characters' };
  if (rel.startsWith('/')) return { ok: false, reason: 'absolute path' };
  if (/[\0\\]/.test(rel)) return { ok: false, reason: 'NUL or backslash in path' };
  const segs = rel.split('/');
  if (segs.some((s) => s === '..')) return { ok: false, reason: '".." in path' };
  if (segs.some((s) => s === '' || s === '.')) return { ok: false, reason: 'empty or "." path segment' };
  if (segs.some((s) => s.startsWith('.'))) return { ok: false, reason: 'dotfile in path' };
  if (rel === 'Packages') return { ok: true, kind: 'index', segments: segs };
  if (segs[0] === 'logs') {
    const rest = segs.slice(1);
    if (rest.length < 1 || rest.length > 3) return { ok: false, reason: 'a log is logs/<name>.log (at most two directories below logs/)' };
    if (!rest.every((s) => LOG_SEGMENT.test(s))) return { ok: false, reason: 'log path has characters outside [A-Za-z0-9_.+:-]' };
    if (!/\.log(\.gz)?$/.test(rest.at(-1)!)) return { ok: false, reason: 'a log file name ends in .log or .log.gz' };
    return { ok: true, kind: 'log', segments: segs };
  }
  const binpkg = checkBinpkgPath(segs);
  return binpkg === true ? { ok: true, kind: 'binpkg', segments: segs } : { ok: false, reason: binpkg };
}

/** True for a GPKG path in PKGDIR layout, else why not. */
function checkBinpkgPath(segs: string[]): true | string {
  const file = segs.at(-1)!;
  if (!file.endsWith('.gpkg.tar')) return 'not Packages, logs/… or a .gpkg.tar binpkg';
  const cat = segs[0]!;
  if (!CATEGORY.test(cat)) return `category "${cat}" is not a valid category name`;
  if (RESERVED_CATEGORIES.has(cat)) return `category "${cat}" is reserved in the incoming area`;
  const base = file.slice(0, -'.gpkg.tar'.length);
  if (segs.length === 2) {
    // <cat>/<pf>.gpkg.tar (binpkg-multi-instance off)
    return PF.test(base) ? true : `"${file}" is not <pn>-<version>.gpkg.tar`;
  }
  if (segs.length !== 3) return 'a binpkg is <cat>/<pn>/<pf>-<build id>.gpkg.tar or <cat>/<pf>.gpkg.tar';
  const pn = segs[1]!;
  if (!PN.test(pn)) return `package name "${pn}" is not valid`;
  const m = /^(.+)-([0-9]+)$/.exec(base);
  const pf = m ? PF.exec(m[1]!) : null;
  if (!pf) return `"${file}" is not <pn>-<version>-<build id>.gpkg.tar`;
  if (pf[1] !== pn) return `"${file}" does not belong in directory ${cat}/${pn}/`;
  return true;
}
