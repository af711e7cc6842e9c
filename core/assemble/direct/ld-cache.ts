/**
 * The one global step of `emerge` the direct assembly runs (docs/assemble.md#direct): after a merge
 * that installed shared libraries, Portage's env-update runs `ldconfig -X` for the ROOT, so that
 * /etc/ld.so.cache lists them. Here the same happens once, after the image is loaded, and only when
 * needed: a package placed a library (`*.so`, `*.so.N` under a `lib*` directory) or an
 * /etc/ld.so.conf file, and the image has an ldconfig (musl has none; env-update skips it then
 * too). ldconfig runs in a container from the assembled image, network off, writing the cache to
 * a bound host directory (`-C`; no shell needed, so slim images work too); the cache becomes one
 * more layer. ldconfig writes the same cache for the same libraries, so the image stays
 * reproducible; nothing is committed from a container.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { Engine } from '../../engine/types.ts';
import type { LayerEntry } from './layer-tar.ts';
import type { PathView } from './path-view.ts';

export const LD_CACHE = 'etc/ld.so.cache';
const LDCONFIGS = ['sbin/ldconfig', 'usr/sbin/ldconfig'];

/** A library the dynamic loader's cache would list, or a file that changes where it looks. */
export function isLoaderInput(path: string): boolean {
  return /(^|\/)lib[^/]*\/(.+\/)?[^/]+\.so(\.\d+)*$/.test(path) || /^etc\/ld\.so\.conf(\.d\/|$)/.test(path);
}

/** The image's ldconfig (`/sbin/ldconfig`, or under /usr), when the assembly installed loader inputs; else undefined. */
export function ldconfigToRun(view: PathView, placed: Iterable<LayerEntry>): string | undefined {
  const ldconfig = LDCONFIGS.find((p) => view.get(view.resolveAll(p))?.type === 'file');
  if (!ldconfig) return undefined;
  for (const e of placed) if (e.type !== 'directory' && isLoaderInput(e.path)) return `/${ldconfig}`;
  return undefined;
}

/** Runs `<ldconfig> -X -C <bound dir>/ld.so.cache` in a container from `image`; returns the cache's bytes. */
export async function buildLdCache(engine: Engine, image: string, ldconfig: string, hostDir: string): Promise<Buffer> {
  const target = '/run/binfarm-ld-cache';
  const r = await engine.run({
    image,
    entrypoint: [ldconfig],
    cmd: ['-X', '-C', `${target}/ld.so.cache`],
    mounts: [{ type: 'bind', source: hostDir, target }],
    network: 'none',
    labels: { 'binfarm.role': 'ldconfig' },
  });
  if (r.exitCode !== 0) {
    throw new BinfarmError('E_ASSEMBLE', `\`${ldconfig} -X\` failed in the assembled image (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`, {
      hint: 'A library of the assembly is damaged, or /etc/ld.so.conf is; `--via emerge` shows what emerge makes of it.',
    });
  }
  return readFile(join(hostDir, 'ld.so.cache'));
}
