/**
 * Binhost partitions (docs/internals/architecture.md#partitions): binpkgs never mix across arch, profile, build
 * type or compiler settings. A partition is `<arch>/<profile>/<buildType>-<digest8>` below the
 * binhost root, the digest taken over CHOST, the C/C++/Fortran flags and FEATURES as Portage will
 * see them (the make.conf contributions of the model, in precedence order).
 */
import { join, resolve } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { PortageModel } from '../portage/model.ts';
import { stackAll } from '../portage/makeconf/incremental.ts';
import { stableHash } from '../util/hash.ts';
import { keyedFeatures } from '../plan/tuning-knobs.ts';

export interface Partition {
  /** Path relative to the binhost root, `/`-separated: `amd64/default/linux/amd64/23.0/opt-1a2b3c4d`. */
  rel: string;
  /** Absolute host directory. */
  dir: string;
  arch: string;
  profile: string;
  buildType: string;
  /** What the digest was taken over (shown by `binfarm binhost list`). */
  settings: Record<string, string>;
}

const FLAG_VARS = ['CHOST', 'COMMON_FLAGS', 'CFLAGS', 'CXXFLAGS', 'FCFLAGS', 'FFLAGS'] as const;

/** `<stateDir>/<binhost.dir>` unless binhost.dir is absolute. */
export function binhostRoot(options: Pick<BinfarmOptions, 'binhost'>, stateDir: string): string {
  return resolve(stateDir, options.binhost.dir);
}

/** The settings that decide binary compatibility, from the model's make.conf contributions. */
export function compatSettings(options: BinfarmOptions, model: PortageModel | undefined): Record<string, string> {
  const out: Record<string, string> = { CHOST: options.portage.chost, COMMON_FLAGS: options.portage.commonFlags };
  const features: string[][] = [options.portage.features];
  if (model) {
    // Stable sort by precedence: later contributions of equal precedence win, as in the renderer.
    const contribs = model.makeConf.map((c, i) => ({ c, i })).sort((a, b) => (a.c.precedence ?? 0) - (b.c.precedence ?? 0) || a.i - b.i);
    features.length = 0;
    for (const { c } of contribs) {
      for (const name of FLAG_VARS) if (c.vars[name] !== undefined) out[name] = c.vars[name]!;
      if (c.vars.FEATURES !== undefined) features.push(c.vars.FEATURES.split(/\s+/).filter((t) => t && t !== '${FEATURES}' && t !== '$FEATURES'));
    }
  }
  // tuning FEATURES (parallel-fetch, sandboxes, ...) do not make binpkgs incompatible (core/plan/tuning-knobs.ts)
  out.FEATURES = keyedFeatures(stackAll(features)).sort().join(' ');
  return out;
}

export function partitionOf(options: BinfarmOptions, stateDir: string, model?: PortageModel): Partition {
  const arch = options.portage.arch;
  const profile = options.portage.profile.replace(/^[^:]+:/, '').replace(/^\/+|\/+$/g, '');
  const buildType = options.portage.buildType;
  const settings = compatSettings(options, model);
  const digest = stableHash(settings).slice(0, 8);
  const rel = [arch, ...profile.split('/').filter(Boolean), `${buildType}-${digest}`].join('/');
  return { rel, dir: join(binhostRoot(options, stateDir), ...rel.split('/')), arch, profile, buildType, settings };
}
