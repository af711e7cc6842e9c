/**
 * The binhost `Packages` index (docs/internals/gentoo.md#packages-index; Portage's getbinpkg.PackageIndex and
 * bintree settings). Blocks of `KEY: value` lines separated by one blank line; the first block
 * is the header. On read, one character after the colon is dropped, blocks without CPV are
 * skipped, an empty block ends the body, defaults are restored and CHOST/REPO are inherited
 * from the header. On write, keys are sorted, empty values and values equal to their default
 * or to the inherited header value are omitted, and packages are sorted by CPV.
 */

export type IndexBlock = Record<string, string>;

export interface PackagesIndex {
  header: IndexBlock;
  packages: IndexBlock[];
}

/** Per-package defaults (bintree `_pkgindex_default_pkg_data`), restored on read, omitted on write. */
export const PACKAGE_DEFAULTS: Readonly<IndexBlock> = Object.freeze({
  BDEPEND: '',
  BUILD_ID: '',
  BUILD_TIME: '',
  DEFINED_PHASES: '',
  DEPEND: '',
  EAPI: '0',
  IDEPEND: '',
  IUSE: '',
  KEYWORDS: '',
  LICENSE: '',
  PATH: '',
  PDEPEND: '',
  PROPERTIES: '',
  PROVIDES: '',
  RDEPEND: '',
  REQUIRES: '',
  RESTRICT: '',
  SLOT: '0',
  USE: '',
});

/** Keys a package block inherits from the header when it omits them (file names: REPO = `repository`). */
export const INHERITED_KEYS = ['CHOST', 'REPO'] as const;

/** The index version this code writes and accepts (`VERSION` must be an integer ≤ this). */
export const INDEX_VERSION = 0;

function readBlock(lines: string[], at: { i: number }): IndexBlock {
  const block: IndexBlock = {};
  while (at.i < lines.length) {
    const line = lines[at.i++]!;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const value = line.slice(colon + 1);
    block[line.slice(0, colon)] = value ? value.slice(1) : value;
  }
  return block;
}

export interface ParseOptions {
  /** Restore defaults and inherited values in package blocks (default true), as Portage does. */
  fill?: boolean;
}

export function parsePackagesIndex(text: string, opts: ParseOptions = {}): PackagesIndex {
  const fill = opts.fill ?? true;
  const lines = text.split('\n');
  // A trailing newline leaves one empty string that is not a line.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const at = { i: 0 };
  const header = readBlock(lines, at);
  const packages: IndexBlock[] = [];
  while (at.i < lines.length) {
    const block = readBlock(lines, at);
    if (!Object.keys(block).length) break;
    if (!block.CPV) continue;
    if (fill) {
      for (const [k, v] of Object.entries(PACKAGE_DEFAULTS)) if (!(k in block)) block[k] = v;
      for (const k of INHERITED_KEYS) if (header[k] && !(k in block)) block[k] = header[k]!;
    }
    packages.push(block);
  }
  return { header, packages };
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function writeBlock(block: IndexBlock): string {
  return `${Object.keys(block)
    .sort(byCodePoint)
    .filter((k) => block[k])
    .map((k) => `${k}: ${block[k]}\n`)
    .join('')}\n`;
}

export interface SerializeOptions {
  /** Set TIMESTAMP (unix seconds) and PACKAGES before writing, as Portage does for a modified index. */
  touch?: number;
}

export function serializePackagesIndex(index: PackagesIndex, opts: SerializeOptions = {}): string {
  const header = { ...index.header };
  if (opts.touch !== undefined) {
    header.TIMESTAMP = String(Math.floor(opts.touch));
    header.PACKAGES = String(index.packages.length);
  }
  let out = writeBlock(header);
  const sorted = [...index.packages].sort((a, b) => byCodePoint(a.CPV ?? '', b.CPV ?? ''));
  for (const pkg of sorted) {
    const block = { ...pkg };
    for (const k of INHERITED_KEYS) if (header[k] && block[k] === header[k]) delete block[k];
    for (const [k, v] of Object.entries(PACKAGE_DEFAULTS)) if (block[k] === v) delete block[k];
    out += writeBlock(block);
  }
  return out;
}

/** The index entry's name in messages: `CPV` plus the build id when there is one. */
export function entryName(pkg: IndexBlock): string {
  return `${pkg.CPV ?? '(no CPV)'}${pkg.BUILD_ID ? ` (build ${pkg.BUILD_ID})` : ''}`;
}
