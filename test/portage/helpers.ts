/** Shared bits of the Portage tests: farms from plain config objects, golden-file comparison. */
import type { ExecutionContext } from 'ava';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { createFarm, type Farm } from '../../core/farm.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/portage/', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));

/** A farm with the built-in plugins, config relative to the Portage fixtures directory. */
export function farmOf(config: BinfarmConfigInput, rootDir = FIXTURES): Farm {
  return createFarm({ options: ConfigSchema.parse(config), rootDir, command: 'render' });
}

/** Where a rendered key lives in a golden tree: etc/portage/<key>, or the absolute path without "/". */
export function goldenPath(key: string): string {
  return key.startsWith('/') ? key.slice(1) : `etc/portage/${key}`;
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

/**
 * Compares rendered files with test/portage/golden/<name>/ (same set of files, same bytes).
 * BINFARM_UPDATE_GOLDEN=1 rewrites the golden tree instead; review the diff before committing.
 */
export async function assertGolden(t: ExecutionContext, name: string, files: Map<string, string>): Promise<void> {
  const root = join(GOLDEN, name);
  if (process.env.BINFARM_UPDATE_GOLDEN === '1') {
    const { rm } = await import('node:fs/promises');
    await rm(root, { recursive: true, force: true });
    for (const [key, content] of files) {
      const p = join(root, goldenPath(key));
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
    }
    t.log(`golden files of ${name} rewritten`);
  }
  const expected = await listFiles(root).catch(() => [] as string[]);
  t.deepEqual([...files.keys()].map(goldenPath).sort(), expected, `the set of rendered files matches golden/${name}`);
  for (const [key, content] of files) {
    const want = await readFile(join(root, goldenPath(key)), 'utf8').catch(() => undefined);
    t.is(content, want as string, `golden/${name}/${goldenPath(key)}`);
  }
}
