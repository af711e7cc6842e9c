/**
 * The env file every HEP layer ships through `portage.files` (the plugin works in any farm, not
 * only in this repository). root.00.d/etc/portage/env/no-tmpfs.conf holds the same bytes; a
 * test keeps them equal.
 */
export const NO_TMPFS = 'no-tmpfs.conf';

/** The on-disk build directory (the directory itself comes from the overlays: var/tmp/portage-ondisk/.keep). */
export const ONDISK_TMPDIR = '/var/tmp/portage-ondisk';

export const NO_TMPFS_CONF =
  '# On-disk build directory for very large packages (ROOT with its bundled LLVM, qtwebengine,\n' +
  '# nodejs, llvm/clang): a tmpfs PORTAGE_TMPDIR would eat the farm\'s RAM. Portage refuses to\n' +
  '# build when the directory is missing; the binfarm overlays ship it (var/tmp/portage-ondisk/.keep).\n' +
  `PORTAGE_TMPDIR="${ONDISK_TMPDIR}"\n`;
