/**
 * The ES modules a command loads, counted with a module `load` hook (node:module register) that
 * appends each URL to a file: Node's ESM loader pays per module, so how many files a command
 * loads is part of its start-up cost (docs/internals/startup.md).
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LoadedFiles {
  /** Every module URL loaded, in order (node: built-ins included). */
  all: string[];
  /** Those under the package's dist/ (binfarm's compiled files). */
  dist: string[];
}

export async function loadedFiles(bin: string, args: string[], env: Record<string, string> = {}): Promise<LoadedFiles> {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-bench-loaded-'));
  try {
    const list = join(dir, 'urls.txt');
    const hooks = join(dir, 'hooks.mjs');
    const register = join(dir, 'register.mjs');
    writeFileSync(list, '');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(${JSON.stringify(list)}, url + '\\n'); return next(url, ctx); }\n`,
    );
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    await execa('node', [`--import=${register}`, bin, ...args], { env });
    const all = readFileSync(list, 'utf8').split('\n').filter(Boolean);
    const distUrl = new URL('../dist/', pathToFileURL(bin)).href;
    return { all, dist: all.filter((u) => u.startsWith(distUrl)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
