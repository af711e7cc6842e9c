/**
 * Which code bin/binfarm.js runs: the compiled copy in dist/ while it is a build of the current
 * sources, the sources (jiti) as soon as one of them changed after the build, or when
 * BINFARM_LOADER asks for them; an installed copy (under node_modules) runs its build as it is.
 * The real bin/binfarm.js runs here beside a stub main in each place, so the test sees which one
 * answered without a 40 s build.
 */
import test from 'ava';
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('BINFARM_')));

/** A package root holding the real bin/binfarm.js, a stub main in core/ and in dist/, and a build-info.json that started at `startedMs`. */
function packageCopy(root: string, startedMs: number): void {
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(join(repo, 'bin/binfarm.js'), join(root, 'bin/binfarm.js'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  write('package.json', '{ "name": "binfarm", "type": "module" }\n');
  write('core/cli/main.ts', "export async function main(): Promise<number> { console.log('sources'); return 0; }\n");
  write('dist/core/cli/main.js', "export async function main() { console.log('compiled'); return 0; }\n");
  write('dist/build-info.json', JSON.stringify({ startedMs, sources: ['core/cli/main.ts', 'core/gone.ts'] }));
  const before = new Date(startedMs - 60_000);
  utimesSync(join(root, 'core/cli/main.ts'), before, before);
}

const answer = async (root: string, extra: Record<string, string> = {}) =>
  (await execa(process.execPath, [join(root, 'bin/binfarm.js')], { env: { ...env, ...extra }, extendEnv: false })).stdout.trim();

test('a checkout runs dist/ while it is current, the sources once one changed after the build or when BINFARM_LOADER says so', async (t) => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-compiled-')));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const root = join(tmp, 'binfarm');
  packageCopy(root, Date.now());
  t.is(await answer(root), 'compiled', 'a current build (core/gone.ts, compiled but no longer there, changes nothing)');
  t.is(await answer(root, { BINFARM_LOADER: 'jiti' }), 'sources');
  t.is(await answer(root, { BINFARM_LOADER: 'tsx' }), 'sources');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(root, 'core/cli/main.ts'), later, later);
  t.is(await answer(root), 'sources', 'a source edited after the build');
  rmSync(join(root, 'dist/build-info.json'));
  t.is(await answer(root), 'sources', 'no build-info.json: no build');
});

test('an installed copy (under node_modules) runs its build without looking at the sources', async (t) => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-compiled-')));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const root = join(tmp, 'node_modules', 'binfarm');
  packageCopy(root, Date.now() - 3_600_000);
  const later = new Date();
  utimesSync(join(root, 'core/cli/main.ts'), later, later);
  t.is(await answer(root), 'compiled');
});
