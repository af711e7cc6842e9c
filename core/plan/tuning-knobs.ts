/**
 * Tuning knobs: Portage settings that change how a build runs (how fast, how loud, where it
 * fetches from, where logs and caches live) but not the files a package installs or the
 * binpkg it leaves. They are left out of content keys (core/plan/file-inputs.ts) and out of
 * the binhost partition digest, so `--set portage.makeopts=-j16` rebuilds nothing.
 * docs/pipeline.md ("What is in a content key, and what is deliberately not") lists them.
 *
 * The rule for an entry: a build that succeeds with either value installs the same files. When
 * in doubt a setting stays in the key (a needless rebuild costs hours; a stale artifact costs
 * trust). Every build writes the current values into the container before emerge runs, so an
 * image reused across a tuning change may only carry the old value in its /etc/portage.
 */

/** make.conf variables left out of keys, each with why. */
export const TUNING_VARIABLES: Readonly<Record<string, string>> = {
  MAKEOPTS: 'parallelism of make (-j, -l); the same sources and flags compile to the same files',
  MAKEFLAGS: 'parallelism / jobserver of make, like MAKEOPTS',
  GNUMAKEFLAGS: 'load average and output sync Portage sets for make when MAKEOPTS is unset',
  NINJAOPTS: 'parallelism of ninja (-j, -l)',
  PORTAGE_NICENESS: 'scheduling priority of the build processes',
  PORTAGE_IONICE_COMMAND: 'I/O priority of the build processes',
  PORTAGE_SCHEDULING_POLICY: 'CPU scheduling policy of the build processes',
  GENTOO_MIRRORS: 'where distfiles are fetched from; their content is checked against the Manifest',
  PORTAGE_RO_DISTDIRS: 'extra read-only distfile stores; same Manifest-checked files',
  PORTAGE_BINHOST: 'where binpkgs may be downloaded from (transport, like binrepos.conf)',
  PORTAGE_BINHOST_HEADER_URI: 'download base written into the Packages header for clients',
  FETCHCOMMAND: 'the downloader; distfiles are verified against the Manifest',
  RESUMECOMMAND: 'the downloader for partial files',
  PORTAGE_FETCH_RESUME_MIN_SIZE: 'when a partial download is resumed',
  PORTAGE_FETCH_CHECKSUM_TRY_MIRRORS: 'how many mirrors are tried after a checksum failure',
  PORTAGE_LOGDIR: 'where build logs are kept',
  PORT_LOGDIR: 'deprecated alias of PORTAGE_LOGDIR',
  PORTAGE_LOGDIR_CLEAN: 'how old build logs are cleaned',
  PORTAGE_ELOG_CLASSES: 'which ebuild messages are logged',
  PORTAGE_ELOG_SYSTEM: 'where ebuild messages go',
  PORTAGE_ELOG_COMMAND: 'command that receives ebuild messages',
  PKGDIR: 'location of the binpkg directory inside the container (binfarm binds the partition there)',
  DISTDIR: 'location of the distfile cache inside the container',
  PORTAGE_SYNC_STALE: 'warning about an old tree snapshot',
  PORTAGE_RSYNC_OPTS: 'tree sync transport (binfarm mounts the tree, it never syncs)',
  PORTAGE_RSYNC_EXTRA_OPTS: 'tree sync transport',
  PORTAGE_RSYNC_RETRIES: 'tree sync transport',
  CLEAN_DELAY: 'countdown before unmerging',
  EMERGE_WARNING_DELAY: 'countdown before warnings',
  NOCOLOR: 'colour of the output',
  CCACHE_DIR: 'compiler cache location (FEATURES=ccache)',
  CCACHE_SIZE: 'compiler cache size',
  PORTAGE_TRUST_HELPER: 'tool that refreshes the keyring binpkg signatures are verified with',
  BINPKG_GPG_VERIFY_BASE_COMMAND: 'how downloaded binpkg signatures are verified',
  BINPKG_GPG_VERIFY_GPG_HOME: 'keyring downloaded binpkg signatures are verified with',
};

/** Families of make.conf variables left out of keys (name prefix → why). */
export const TUNING_VARIABLE_PREFIXES: Readonly<Record<string, string>> = {
  FETCHCOMMAND_: 'per-protocol downloader (FETCHCOMMAND_HTTPS, ...)',
  RESUMECOMMAND_: 'per-protocol downloader for partial files',
  PORTAGE_ELOG_MAIL: 'mail delivery of ebuild messages',
};

/**
 * FEATURES tokens left out of keys (as `x` and `-x`), each with why. Not here, on purpose: the
 * ones that change installed files or binpkgs (nodoc, noman, noinfo, nostrip, splitdebug,
 * compressdebug, installsources, binpkg-docompress, binpkg-dostrip, binpkg-signing,
 * binpkg-multi-instance: it decides the binpkg file names binfarm records), the ones that
 * leave files in the committed image (keeptemp, keepwork, noclean, news, preserve-libs,
 * unmerge-orphans, downgrade-backup, unmerge-backup), userpriv and fakeroot (the build
 * user), test, and the merge policies (collision-protect, protect-owned,
 * config-protect-if-modified).
 */
export const TUNING_FEATURES: Readonly<Record<string, string>> = {
  'parallel-fetch': 'fetches in the background while building',
  'parallel-install': 'merges several packages at once',
  'merge-wait': 'orders merges; the merged files are the same',
  'merge-sync': 'fsyncs after merging',
  'ebuild-locks': 'serialises ebuild phases that must not run concurrently',
  distlocks: 'locks distfiles while fetching',
  buildpkg: 'makes a binpkg of every merge; binfarm passes --buildpkg anyway',
  buildsyspkg: 'makes binpkgs of @system; binfarm passes --buildpkg anyway',
  getbinpkg: 'may download binpkgs from binhosts (transport; they must match USE and deps)',
  'binpkg-logs': 'keeps logs of binary merges',
  'binpkg-request-signature': 'refuses unsigned downloaded binpkgs (verification only)',
  'binpkg-ignore-signature': 'skips signature checks of downloaded binpkgs (verification only)',
  'pkgdir-index-trusted': 'trusts the Packages index instead of rescanning PKGDIR',
  'compress-index': 'also writes Packages.gz beside the index',
  candy: 'spinner',
  notitles: 'xterm titles',
  'clean-logs': 'removes old build logs',
  'compress-build-logs': 'compresses build logs',
  'split-log': 'build logs per category',
  'split-elog': 'ebuild messages per category',
  'unmerge-logs': 'keeps logs of unmerges',
  'fail-clean': 'removes the build directory after a failure',
  'metadata-transfer': 'metadata cache handling of a synced tree',
  'assume-digests': 'trusts the Manifest digests it already read',
  'unknown-features-warn': 'warns about unknown FEATURES',
  'unknown-features-filter': 'drops unknown FEATURES',
  ccache: 'compiler cache; a hit gives the same object a compile gives',
  icecream: 'distributed compilation; the same compiler and flags',
  distcc: 'distributed compilation; the same compiler and flags',
  cgroup: 'tracks build processes in a cgroup',
  observability: 'reports build progress through a socket',
  'gpg-keepalive': 'keeps the gpg agent unlocked',
  userfetch: 'fetches as the portage user',
  usersync: 'syncs as the owner of the tree',
  'webrsync-gpg': 'verifies emerge-webrsync snapshots',
  'force-mirror': 'fetches from mirrors only (transport)',
  lmirror: 'fetches local mirrors first (transport)',
  mirror: 'fetches every distfile, even unused ones',
  skiprocheck: 'accepts a read-only DISTDIR',
  'python-trace': 'traces Portage itself',
  // The sandboxes turn a build's forbidden accesses into failures; a build that succeeds
  // writes the same files with or without them (binfarm switches them with grantPtrace).
  sandbox: 'confines writes of the build (a violation fails the build)',
  usersandbox: 'sandbox for builds as the portage user',
  'ipc-sandbox': 'IPC namespace of the build',
  'network-sandbox': 'network namespace of the build',
  'network-sandbox-proxy': 'proxy inside the network sandbox',
  'pid-sandbox': 'PID namespace of the build',
  'mount-sandbox': 'mount namespace of the build',
};

/**
 * emerge options (EMERGE_DEFAULT_OPTS) left out of keys. `value: 'optional'` options may take
 * their value as the next word (`--jobs 4`, `-j 4`); `value: 'attached'` ones only as `=x`.
 */
export const TUNING_EMERGE_OPTS: Readonly<Record<string, { why: string; value?: 'optional' | 'attached' }>> = {
  '--jobs': { why: 'packages built at once', value: 'optional' },
  '-j': { why: 'short form of --jobs', value: 'optional' },
  '--load-average': { why: 'no new job above this load', value: 'optional' },
  '-l': { why: 'short form of --load-average', value: 'optional' },
  '--quiet-build': { why: 'build output on the terminal', value: 'attached' },
  '--quiet-fail': { why: 'failure output on the terminal', value: 'attached' },
  '--quiet': { why: 'output on the terminal', value: 'attached' },
  '-q': { why: 'short form of --quiet' },
  '--verbose': { why: 'output on the terminal', value: 'attached' },
  '-v': { why: 'short form of --verbose' },
  '--color': { why: 'output colour', value: 'attached' },
  '--nospinner': { why: 'output spinner' },
  '--keep-going': { why: 'continues after a failure; a failed subject is not recorded as built', value: 'attached' },
  '--ask': { why: 'interactive confirmation', value: 'attached' },
  '--alert': { why: 'terminal bell', value: 'attached' },
  '--getbinpkg': { why: 'may download binpkgs from binhosts (transport)', value: 'attached' },
  '-g': { why: 'short form of --getbinpkg' },
};

/** Rendered /etc/portage files left out of keys: pure transport (path prefix → why). */
export const TRANSPORT_FILES: Readonly<Record<string, string>> = {
  'binrepos.conf': 'where binpkgs may be downloaded from (binhost URLs, priorities, signature checks)',
  mirrors: 'local and third-party distfile mirrors; distfiles are checked against the Manifest',
};

export function isTuningVariable(name: string): boolean {
  if (Object.hasOwn(TUNING_VARIABLES, name)) return true;
  for (const prefix of Object.keys(TUNING_VARIABLE_PREFIXES)) if (name.startsWith(prefix)) return true;
  return false;
}

/** `binrepos.conf`, `binrepos.conf/x.conf`, `mirrors`. */
export function isTransportFile(path: string): boolean {
  for (const name of Object.keys(TRANSPORT_FILES)) if (path === name || path.startsWith(`${name}/`)) return true;
  return false;
}

/** FEATURES tokens without the tuning ones (`parallel-fetch`, `-parallel-fetch`). */
export function keyedFeatures(tokens: readonly string[]): string[] {
  return tokens.filter((t) => !Object.hasOwn(TUNING_FEATURES, t.startsWith('-') ? t.slice(1) : t));
}

/** EMERGE_DEFAULT_OPTS words without the tuning options (and their values). */
export function keyedEmergeOpts(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    const name = w.startsWith('--') && eq > 0 ? w.slice(0, eq) : /^-[jl]\d/.test(w) ? w.slice(0, 2) : w;
    const opt = Object.hasOwn(TUNING_EMERGE_OPTS, name) ? TUNING_EMERGE_OPTS[name]! : undefined;
    if (!opt) {
      out.push(w);
      continue;
    }
    // `--jobs 4`: the number belongs to the option (emerge reads it the same way)
    if (opt.value === 'optional' && name === w && /^\d+(\.\d+)?$/.test(words[i + 1] ?? '')) i++;
  }
  return out;
}
