import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveCacheDir, resolveStateDir } from '../../run/paths.ts';
import { defineCheck } from '../types.ts';

const GiB = 1024 ** 3;
/** Building ROOT or Geant4 needs tens of GB of build space and binpkgs. */
const WARN_BELOW = 20 * GiB;
const FAIL_BELOW = 2 * GiB;

/** Free space where binfarm writes: state dir (binhost, logs), cache (trees, downloads), Docker's data root. */
export const diskCheck = defineCheck({
  id: 'disk',
  title: 'free disk',
  async run(ctx) {
    const places: Array<[string, string]> = [
      ['state', resolveStateDir(ctx.options, ctx.rootDir)],
      ['cache', resolveCacheDir(ctx.options, ctx.rootDir, ctx.env)],
    ];
    if (existsSync('/var/lib/docker')) places.push(['docker', '/var/lib/docker']);
    const seen = new Map<string, { what: string[]; free: number; dir: string }>();
    for (const [what, dir] of places) {
      const at = existing(dir);
      const s = statfsSync(at);
      const free = s.bavail * s.bsize;
      const id = `${s.type}:${s.blocks}:${s.bsize}`; // same filesystem → report once
      const entry = seen.get(id);
      if (entry) entry.what.push(what);
      else seen.set(id, { what: [what], free, dir });
    }
    const parts = [...seen.values()].map((e) => `${e.what.join('+')} ${(e.free / GiB).toFixed(1)} GiB free (${e.dir})`);
    const low = [...seen.values()].filter((e) => e.free < WARN_BELOW);
    const details = Object.fromEntries([...seen.values()].map((e) => [e.what.join('+'), { dir: e.dir, freeBytes: e.free }]));
    if (low.some((e) => e.free < FAIL_BELOW)) {
      return {
        status: 'fail',
        summary: parts.join('; '),
        hint: 'Free space or point stateDir/cacheDir at a larger disk: a build needs more than 2 GiB.',
        details,
      };
    }
    if (low.length) {
      return {
        status: 'warn',
        summary: parts.join('; '),
        hint: 'Large subjects (ROOT, Geant4) need 20 GiB or more of build space and binary packages.',
        details,
      };
    }
    return { status: 'ok', summary: parts.join('; '), details };
  },
});

/** The directory itself, or its nearest existing ancestor (nothing is created by doctor). */
function existing(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}
