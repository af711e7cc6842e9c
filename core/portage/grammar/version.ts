/**
 * PMS §3.2 versions: `1.2.3`, an optional letter (`1.2a`), suffixes `_alpha _beta _pre _rc _p`
 * each with an optional number, and a revision `-rN`.
 */
export const VERSION_SOURCE = String.raw`\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)\d*)*(?:-r\d+)?`;
export const VERSION_RE = new RegExp(`^${VERSION_SOURCE}$`);

/** `<pn>-<version>[*]`: the shortest package name followed by a complete version. */
export const PN_VERSION_RE = new RegExp(`^(.*?)-(${VERSION_SOURCE})(\\*?)$`);

/** True when `text` ends in `-<version>`, which PMS forbids at the end of a package name. */
export function endsWithVersion(text: string): boolean {
  return PN_VERSION_RE.test(text) && !text.endsWith('*');
}
