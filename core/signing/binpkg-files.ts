import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every `*.gpkg.tar` below `dir`, relative paths, sorted; dotfiles and dot-directories (temp files, markers) skipped. */
export async function gpkgFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && e.name.endsWith('.gpkg.tar')) out.push(r);
    }
  };
  await walk('');
  return out.sort();
}
