import type { BinfarmOptions } from '../config/schema/index.ts';
import { BinfarmError } from '../errors.ts';
import { validateFeatureToken, validateKeywordToken, validateLicenseToken, validateUseToken, withContext } from './grammar/index.ts';
import { incrementalTokens, isIncremental, stackTokens } from './makeconf/index.ts';

type PortageSettings = BinfarmOptions['portage'];

/** FEATURES that fail or warn in a default Docker container (docs/internals/gentoo.md#docker). */
export const NAMESPACE_FEATURES_OFF = ['-ipc-sandbox', '-network-sandbox', '-pid-sandbox', '-mount-sandbox'];
/** Portage's sandbox needs ptrace; without SYS_PTRACE it is switched off. */
export const SANDBOX_FEATURES_OFF = ['-sandbox', '-usersandbox'];
/** A binary-package farm: build a binpkg for every merge, keep several builds of one version, no news. */
export const FARM_FEATURES = ['buildpkg', 'binpkg-multi-instance', '-news'];
/** The dbg build type (the original env/debugsyms.conf + env/installsources.conf). */
export const DBG_FEATURES = ['splitdebug', 'compressdebug', 'installsources', '-nostrip'];
export const DBG_FLAG = '-ggdb';
export const FLAG_VARS = ['CFLAGS', 'CXXFLAGS', 'FCFLAGS', 'FFLAGS'] as const;

/** env files binfarm renders for per-package dbg builds (names as in the original project). */
export const DBG_ENV_FILES: Record<string, string> = {
  'debugsyms.conf':
    '# debug symbols for this package (binfarm dbg, per package)\n' +
    FLAG_VARS.map((v) => `${v}="\${${v}} ${DBG_FLAG}"\n`).join('') +
    'FEATURES="${FEATURES} splitdebug compressdebug -nostrip"\n',
  'installsources.conf': '# sources under /usr/src/debug (binfarm dbg, per package)\nFEATURES="${FEATURES} installsources"\n',
};

export const BINPKG_COMPRESSORS = ['bzip2', 'gzip', 'lz4', 'lzip', 'lzop', 'xz', 'zstd', 'none', ''];

/**
 * The farm's build settings (`portage:` in the config) as make.conf variables, in the order a
 * reader expects them. Values are make.conf double-quote content (`${COMMON_FLAGS}` stays a
 * reference). Every token is validated; errors name the config key.
 */
export function buildSettingsVars(p: PortageSettings): Record<string, string> {
  const check = (key: string, tokens: string[], validate: (t: string) => string) =>
    tokens.forEach((t, i) => {
      try {
        validate(t);
      } catch (e) {
        throw withContext(e, `config portage.${key}[${i}]`);
      }
    });
  check('use', p.use, (t) => validateUseToken(t, false));
  check('acceptKeywords', p.acceptKeywords, validateKeywordToken);
  check('acceptLicense', p.acceptLicense, validateLicenseToken);
  check('features', p.features, validateFeatureToken);
  check('cpuFlagsX86', p.cpuFlagsX86, (t) => validateUseToken(t, false));
  if (!BINPKG_COMPRESSORS.includes(p.binpkgCompress)) {
    throw new BinfarmError('E_CONFIG_INVALID', `config portage.binpkgCompress: "${p.binpkgCompress}" is not a compressor Portage knows`, {
      hint: `Use one of ${BINPKG_COMPRESSORS.filter(Boolean).join(', ')}.`,
    });
  }

  const dbgGlobal = p.buildType === 'dbg' && p.dbgScope === 'global';
  const flags = dbgGlobal ? `\${COMMON_FLAGS} ${DBG_FLAG}` : '${COMMON_FLAGS}';
  const features = [
    ...(p.grantPtrace ? [] : SANDBOX_FEATURES_OFF),
    ...NAMESPACE_FEATURES_OFF,
    ...FARM_FEATURES,
    // with a custom profile the dbg FEATURES live in the profile's make.defaults
    ...(dbgGlobal && !p.customProfile ? DBG_FEATURES : []),
    ...p.features,
  ];
  const vars: Record<string, string> = {};
  if (p.chost) vars.CHOST = p.chost;
  vars.COMMON_FLAGS = p.commonFlags;
  for (const v of FLAG_VARS) vars[v] = flags;
  // authoritative: a portable binhost must not inherit the profile's CPU flags
  vars.CPU_FLAGS_X86 = ['-*', ...p.cpuFlagsX86].join(' ');
  if (p.makeopts) vars.MAKEOPTS = p.makeopts;
  if (p.emergeDefaultOpts.length) vars.EMERGE_DEFAULT_OPTS = p.emergeDefaultOpts.join(' ');
  vars.FEATURES = stackTokens([], features).join(' ');
  vars.BINPKG_FORMAT = p.binpkgFormat;
  vars.BINPKG_COMPRESS = p.binpkgCompress;
  vars.PKGDIR = p.pkgdir;
  vars.DISTDIR = p.distdir;
  vars.PORTAGE_LOGDIR = '/var/log/portage';
  if (p.acceptLicense.length) vars.ACCEPT_LICENSE = p.acceptLicense.join(' ');
  if (p.acceptKeywords.length) vars.ACCEPT_KEYWORDS = p.acceptKeywords.join(' ');
  if (p.use.length) vars.USE = p.use.join(' ');
  if (p.binhost.length) vars.PORTAGE_BINHOST = p.binhost.join(' ');
  vars.LC_MESSAGES = 'C.UTF-8';
  vars.PORTAGE_SYNC_STALE = '0';
  for (const [k, v] of Object.entries(p.makeConf)) {
    vars[k] = isIncremental(k) && vars[k] !== undefined ? stackTokens(incrementalTokens(vars[k]!, k), incrementalTokens(v, k)).join(' ') : v;
  }
  return vars;
}

/** make.defaults of the custom profile for the build type. */
export function profileDefaults(p: PortageSettings): Record<string, string> {
  const out: Record<string, string> = { BINFARM_BUILD_TYPE: p.buildType };
  if (p.buildType === 'dbg' && p.dbgScope === 'global') out.FEATURES = DBG_FEATURES.join(' ');
  return out;
}
