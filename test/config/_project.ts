/**
 * Temporary projects for config and CLI tests: a directory with a package.json (the project
 * root that bounds discovery) and the given files. Removed when the test ends.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecutionContext } from 'ava';

export function makeProject(t: ExecutionContext, files: Record<string, string>, opts: { packageJson?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'binfarm-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  if (opts.packageJson !== false) writeFileSync(join(dir, 'package.json'), '{ "name": "test-farm", "private": true, "type": "module" }\n');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

/** A config module text: `export default <object literal>` with `defineConfig` from binfarm. */
export function configTs(body: string, extraImports = ''): string {
  return `import { defineConfig } from 'binfarm';\n${extraImports}\nexport default defineConfig(${body});\n`;
}
