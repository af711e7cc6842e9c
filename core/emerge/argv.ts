/**
 * The emerge command line of a farm build (docs/internals/gentoo.md#emerge-options): build a binpkg of everything,
 * reuse binpkgs only when their USE and dependencies still match, count build-time deps even
 * with --usepkg (which turns them off otherwise), keep going past a failure, and print for a
 * pipe (no colour, no spinner).
 */
import type { BinfarmOptions } from '../config/schema/index.ts';

export function emergeBaseArgs(options: BinfarmOptions): string[] {
  const r = options.run;
  return [
    'emerge',
    '--buildpkg',
    '--usepkg',
    '--binpkg-respect-use=y',
    '--binpkg-changed-deps=y',
    '--with-bdeps=y',
    '--keep-going',
    `--jobs=${r.jobs}`,
    ...(r.loadAverage !== undefined ? [`--load-average=${r.loadAverage}`] : []),
    '--nospinner',
    '--color=n',
    '--verbose',
  ];
}

/** `emerge <farm args> @set1 @set2 ...` */
export function emergeSetsArgv(options: BinfarmOptions, sets: readonly string[]): string[] {
  return [...emergeBaseArgs(options), ...sets.map((s) => `@${s}`)];
}

/** `emerge <farm args> --update --deep --newuse @world` (bootstrap `updateWorld`). */
export function emergeWorldArgv(options: BinfarmOptions): string[] {
  return [...emergeBaseArgs(options), '--update', '--deep', '--newuse', '@world'];
}

/** Environment of every emerge: MAKEOPTS from the config (it wins over make.conf). */
export function emergeEnv(options: BinfarmOptions): Record<string, string> {
  return options.portage.makeopts ? { MAKEOPTS: options.portage.makeopts } : {};
}

/**
 * `--usepkg-exclude "cat/a cat/b"` (one argument; Portage joins every occurrence and splits on
 * whitespace; names and slot atoms only, man emerge.1), or nothing.
 */
export function usepkgExcludeArgs(cpns: readonly string[]): string[] {
  return cpns.length ? ['--usepkg-exclude', cpns.join(' ')] : [];
}
