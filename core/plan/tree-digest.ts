/**
 * Digests of directory trees for content keys: every regular file is its own input
 * (`<prefix>:<dir>/<path>` → sha256 of mode and content), so `plan --explain` can name the
 * one overlay file that changed. Symlinks hash their target.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, readlink, lstat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { BinfarmError } from '../errors.ts';

export async function hashTree(rootDir: string, dir: string, prefix: string, what: string): Promise<Record<string, string>> {
  const abs = resolve(rootDir, dir);
  const st = await lstat(abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new BinfarmError('E_SUBJECT', `${what} "${dir}" is not a directory (looked for ${abs})`, {
      hint: `Create the directory or fix the path; it is relative to the config file's directory ${rootDir}.`,
    });
  }
  const out: Record<string, string> = {};
  const label = dir.replace(/\/+$/, '');
  const walk = async (d: string): Promise<void> => {
    const names = (await readdir(d)).sort();
    for (const name of names) {
      const p = join(d, name);
      const s = await lstat(p);
      const rel = relative(abs, p).split(sep).join('/');
      const key = `${prefix}:${label}/${rel}`;
      if (s.isDirectory()) await walk(p);
      else if (s.isSymbolicLink()) out[key] = sha(`symlink:${await readlink(p)}`);
      else if (s.isFile()) out[key] = createHash('sha256').update(`${(s.mode & 0o7777).toString(8)}:`).update(await readFile(p)).digest('hex');
    }
  };
  await walk(abs);
  return out;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
