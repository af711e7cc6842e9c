import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { OverlayFile } from './plan.ts';

/**
 * The files of a subject's root overlays (`subject.overlays`, directories relative to the
 * config file), as absolute image paths, in a stable order. Later overlays win over earlier
 * ones for the same path. Modes and symbolic links are kept. `at` is where the directories
 * land in the image (`/` for root overlays, SUBJECT_CONTEXT_DIR for a subject's build context).
 */
export async function collectOverlayFiles(rootDir: string, overlays: readonly string[], subject: string, at = '/'): Promise<OverlayFile[]> {
  const byPath = new Map<string, OverlayFile>();
  for (const rel of overlays) {
    const dir = resolve(rootDir, rel);
    let st;
    try {
      st = await lstat(dir);
    } catch {
      throw new BinfarmError('E_SUBJECT', `subject "${subject}": overlay directory "${rel}" does not exist (looked for ${dir})`, {
        hint: 'Overlay paths are relative to the directory of the config file.',
      });
    }
    if (!st.isDirectory()) throw new BinfarmError('E_SUBJECT', `subject "${subject}": overlay "${rel}" is not a directory (${dir})`);
    await walk(dir, '', rel, byPath, at);
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(base: string, sub: string, from: string, out: Map<string, OverlayFile>, at: string): Promise<void> {
  const names = (await readdir(join(base, sub))).sort();
  for (const name of names) {
    const relPath = sub ? `${sub}/${name}` : name;
    const full = join(base, relPath);
    const st = await lstat(full);
    const path = posix.join(at, relPath);
    if (st.isDirectory()) await walk(base, relPath, from, out, at);
    else if (st.isSymbolicLink()) out.set(path, { path, symlink: await readlink(full), from });
    else if (st.isFile()) out.set(path, { path, content: await readFile(full), mode: st.mode & 0o7777, from });
  }
}
