/**
 * Incremental variables (docs/internals/gentoo.md#incremental-variables): their tokens accumulate across make.globals,
 * the profile and make.conf instead of being replaced; `-token` removes a token, `-*` clears
 * everything before it. USE_EXPAND variables (PYTHON_TARGETS, CPU_FLAGS_X86, ...) are
 * incremental too.
 */
export const INCREMENTAL_VARS: ReadonlySet<string> = new Set([
  'USE', 'FEATURES', 'ACCEPT_KEYWORDS', 'ACCEPT_LICENSE', 'ACCEPT_PROPERTIES', 'ACCEPT_RESTRICT',
  'CONFIG_PROTECT', 'CONFIG_PROTECT_MASK', 'IUSE_IMPLICIT', 'USE_EXPAND', 'USE_EXPAND_HIDDEN',
  'USE_EXPAND_IMPLICIT', 'USE_EXPAND_UNPREFIXED', 'ENV_UNSET', 'PROFILE_ONLY_VARIABLES',
]);

/** USE_EXPAND variables of the gentoo repository (profiles/base/make.defaults), all incremental. */
export const USE_EXPAND_VARS: ReadonlySet<string> = new Set([
  'ABI_MIPS', 'ABI_S390', 'ABI_X86', 'ADA_TARGET', 'ALSA_CARDS', 'AMDGPU_TARGETS', 'APACHE2_MODULES',
  'APACHE2_MPMS', 'CALLIGRA_FEATURES', 'COLLECTD_PLUGINS', 'CPU_FLAGS_ARM', 'CPU_FLAGS_PPC',
  'CPU_FLAGS_X86', 'CURL_SSL', 'ELIBC', 'FFTOOLS', 'GPSD_PROTOCOLS', 'GRUB_PLATFORMS', 'GUILE_SINGLE_TARGET',
  'GUILE_TARGETS', 'INPUT_DEVICES', 'KERNEL', 'L10N', 'LCD_DEVICES', 'LIBREOFFICE_EXTENSIONS',
  'LLVM_SLOT', 'LLVM_TARGETS', 'LUA_SINGLE_TARGET', 'LUA_TARGETS', 'NGINX_MODULES_HTTP',
  'NGINX_MODULES_MAIL', 'NGINX_MODULES_STREAM', 'OFED_DRIVERS', 'OPENMPI_FABRICS', 'OPENMPI_OFED_FEATURES',
  'OPENMPI_RM', 'PHP_TARGETS', 'POSTGRES_TARGETS', 'PYTHON_SINGLE_TARGET', 'PYTHON_TARGETS',
  'QEMU_SOFTMMU_TARGETS', 'QEMU_USER_TARGETS', 'RUBY_TARGETS', 'SANE_BACKENDS', 'UWSGI_PLUGINS',
  'VIDEO_CARDS', 'VOICEMAIL_STORAGE', 'XTABLES_ADDONS',
]);

/** Variables make.globals or the profile define, so a make.conf may reference them before setting them. */
export const PORTAGE_DEFINED_VARS: ReadonlySet<string> = new Set([
  'ARCH', 'CHOST', 'CBUILD', 'CFLAGS', 'CXXFLAGS', 'LDFLAGS', 'FFLAGS', 'FCFLAGS', 'MAKEOPTS',
  'DISTDIR', 'PKGDIR', 'PORTAGE_TMPDIR', 'PORTAGE_LOGDIR', 'BINPKG_FORMAT', 'BINPKG_COMPRESS',
  'GENTOO_MIRRORS', 'EMERGE_DEFAULT_OPTS', 'ELIBC', 'KERNEL', 'EPREFIX', 'ROOT', 'PORTAGE_CONFIGROOT',
]);

export function isIncremental(name: string): boolean {
  return INCREMENTAL_VARS.has(name) || USE_EXPAND_VARS.has(name);
}

/** Every name a make.conf may reference without setting it: incremental and make.globals variables. */
export function inheritedNames(): Set<string> {
  return new Set([...INCREMENTAL_VARS, ...USE_EXPAND_VARS, ...PORTAGE_DEFINED_VARS]);
}

/** Tokens of an incremental value, without references to the variable itself (`${USE} foo` → `foo`). */
export function incrementalTokens(value: string, self?: string): string[] {
  const tokens = value.split(/\s+/).filter(Boolean);
  if (!self) return tokens;
  return tokens.filter((t) => t !== `\${${self}}` && t !== `$${self}`);
}

/**
 * Stacks `next` onto `acc` with Portage's incremental rules and returns the net list: each
 * name at most once, as `name` or `-name`; `-*` resets and stays (it clears lower layers too).
 * The net list has the same effect on lower layers as the two lists in sequence.
 */
export function stackTokens(acc: readonly string[], next: readonly string[]): string[] {
  let out = [...acc];
  for (const tok of next) {
    if (tok === '-*') {
      out = ['-*'];
      continue;
    }
    const name = tok.startsWith('-') ? tok.slice(1) : tok;
    out = out.filter((t) => t !== name && t !== `-${name}`);
    out.push(tok);
  }
  return out;
}

/** `stackTokens` over several lists. */
export function stackAll(lists: ReadonlyArray<readonly string[]>): string[] {
  return lists.reduce<string[]>((acc, l) => stackTokens(acc, l), []);
}
