/**
 * The emerge command lines of an assembly (docs/internals/gentoo.md#emerge-options): binaries only (`--usepkgonly`,
 * never the ebuild tree, never a compiler), no build-time dependencies (`--with-bdeps=n`), for a
 * pipe (no colour, no spinner), verbose so the merge list shows build ids and USE. A slim
 * assembly merges into an empty ROOT and counts only what is installed there (`--root-deps=rdeps`).
 */
import type { BinfarmOptions } from '../config/schema/index.ts';

/** Where a slim assembly is merged inside the container (exported as the image's `/`). */
export const ASSEMBLE_ROOT = '/assemble-root';

export interface AssembleArgvOptions {
  slim: boolean;
  pretend: boolean;
}

export function assembleArgv(options: BinfarmOptions, items: readonly string[], opts: AssembleArgvOptions): string[] {
  return [
    'emerge',
    '--usepkgonly',
    '--with-bdeps=n',
    ...(opts.pretend ? ['--pretend'] : [`--jobs=${options.run.jobs}`]),
    '--verbose',
    '--color=n',
    '--nospinner',
    ...(opts.slim ? [`--root=${ASSEMBLE_ROOT}`, '--root-deps=rdeps'] : []),
    ...items,
  ];
}
