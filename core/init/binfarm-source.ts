import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.ts';

/** How a new farm depends on binfarm: the package.json spec and where it comes from. */
export interface BinfarmDependency {
  spec: string;
  /**
   * `clone`: a git checkout (a `file:` path to it); `tarball`: the `npm pack` file this copy was
   * installed from; `installed`: this installed copy's directory (a global install, or a local
   * one whose origin npm did not record); `registry`: a version range; `given`: `--binfarm`.
   */
  from: 'clone' | 'tarball' | 'installed' | 'registry' | 'given';
}

/** The directory holding binfarm's package.json, symlinks resolved. */
export const BINFARM_ROOT = realpathSync(PACKAGE_ROOT);

/**
 * What `binfarm init` writes as the binfarm dependency, so that `npm install` in the new farm
 * installs the binfarm that ran init. binfarm is not on the npm registry yet: a range like
 * `^0.1.0` only installs once it is, so it is chosen only when npm recorded a registry origin.
 */
export function detectBinfarmDependency(version: string, root = BINFARM_ROOT): BinfarmDependency {
  const parts = root.split(sep);
  const nm = parts.lastIndexOf('node_modules');
  if (nm === -1) return { spec: `file:${root}`, from: 'clone' };
  // npm records where each package came from in the installing project's (hidden) lockfile.
  const project = parts.slice(0, nm).join(sep) || sep;
  const key = parts.slice(nm).join('/');
  const resolved = lockedOrigin(project, key);
  if (resolved?.startsWith('file:')) {
    const path = resolved.slice('file:'.length);
    const abs = isAbsolute(path) ? path : resolve(project, path);
    if (/\.(tgz|tar\.gz)$/.test(abs) && existsSync(abs)) return { spec: `file:${abs}`, from: 'tarball' };
  }
  if (resolved && /^https?:\/\//.test(resolved)) return { spec: `^${version}`, from: 'registry' };
  // A global install keeps no lockfile; this copy is complete (its dependencies included) and npm links it.
  return { spec: `file:${root}`, from: 'installed' };
}

function lockedOrigin(project: string, key: string): string | undefined {
  for (const file of [join(project, 'node_modules', '.package-lock.json'), join(project, 'package-lock.json')]) {
    try {
      const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages?: Record<string, { resolved?: string }> };
      const r = lock.packages?.[key]?.resolved;
      if (typeof r === 'string') return r;
    } catch {
      // No lockfile here, or not one npm wrote: try the next.
    }
  }
  return undefined;
}

/**
 * binfarm's own ava settings (package.json "ava"): a farm's plugin tests run under the same runner
 * with the same settings (TypeScript through tsx, no worker threads, timeout, concurrency).
 */
export function binfarmAvaSettings(root = BINFARM_ROOT): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { ava?: Record<string, unknown> };
  return { ...pkg.ava };
}

/** The dependency ranges binfarm itself uses for a tool the farm needs too (tsx, typescript, @types/node). */
export function binfarmRange(name: string, root = BINFARM_ROOT): string | undefined {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  return pkg.dependencies?.[name] ?? pkg.devDependencies?.[name];
}

