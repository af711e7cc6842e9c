/**
 * `binfarm assemble` as a user types it (bin/binfarm.js in a child process): exit codes and
 * messages of bad requests (no Docker needed), then a build and assemblies on the real engine.
 */
import test from 'ava';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { cli } from '../cli/_cli.ts';
import { removeImages, writeTree } from './_env.ts';

const SUBJECTS = `subjects: { science: { sets: { science: { 'app-misc/viewer': {}, 'dev-libs/mylib': {} } } } }`;

test('bad requests exit with usage (64) or config (2) codes and say what to do', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${SUBJECTS}, assemble: { 'lib-env': { from: 'science', with: ['dev-libs/mylib'] } } }`) });
  const none = await cli(['assemble', 'viewer'], { cwd: dir });
  t.is(none.exitCode, 64);
  t.regex(none.stderr, /assembly "viewer" has no --from and no entry assemble\.viewer in the config/);
  t.regex(none.stderr, /hint: .*configured assemblies: lib-env/);

  const atom = await cli(['assemble', 'viewer', '--from', 'science', '--with', 'app-misc/viewer', '>=dev-libs/mylib'], { cwd: dir });
  t.is(atom.exitCode, 2);
  t.regex(atom.stderr, /--with: ">=dev-libs\/mylib": invalid atom ">=dev-libs\/mylib" at column 17: expected a version/);

  const from = await cli(['assemble', 'viewer', '--from', 'sciense', '--with', 'app-misc/viewer'], { cwd: dir });
  t.is(from.exitCode, 64);
  t.regex(from.stderr, /--from names "sciense", which is not a subject/);
  t.regex(from.stderr, /hint: Subjects: base, science/);

  const clash = await cli(['assemble', 'science', '--from', 'base', '--with', 'app-misc/viewer'], { cwd: dir });
  t.is(clash.exitCode, 64);
  t.regex(clash.stderr, /"science" is the name of a subject/);

  const name = await cli(['assemble', 'My_Env', '--from', 'base', '--with', 'app-misc/viewer'], { cwd: dir });
  t.is(name.exitCode, 64);
  t.regex(name.stderr, /"My_Env" cannot be an image name/);

  const cfg = makeProject(t, { 'binfarm.config.ts': configTs(`{ ${SUBJECTS}, assemble: { 'lib-env': { from: 'science', with: [] } } }`) });
  const invalid = await cli(['assemble', 'lib-env'], { cwd: cfg });
  t.is(invalid.exitCode, 2);
  t.regex(invalid.stderr, /assemble\.lib-env\.with/);
});

test.serial('binfarm run, then binfarm assemble from the config entry and with a missing package', async (t) => {
  const stage3 = await emergeFixtureImage();
  const prefix = `binfarm-test-asm-cli-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const dir = makeProject(t, {});
  writeTree(join(dir, 'tree'));
  const config = `{
    imagePrefix: ${JSON.stringify(prefix)},
    cacheDir: 'cache',
    stage3: { type: 'local', image: ${JSON.stringify(stage3)} },
    tree: { type: 'dir', path: 'tree' },
    mount: { strategy: 'bind' },
    base: { portage: { files: { 'binfarm-fixture/rdepend': 'app-misc/viewer dev-libs/mylib\\n' } } },
    ${SUBJECTS},
    assemble: { 'viewer-env': { from: 'science', with: ['app-misc/viewer'], tag: 'stable' } },
  }`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config));

  const run = await cli(['run', 'science', '--renderer', 'simple'], { cwd: dir, timeout: 300_000 });
  t.is(run.exitCode, 0, run.stderr);

  const ok = await cli(['assemble', 'viewer-env', '--renderer', 'simple'], { cwd: dir, timeout: 300_000 });
  t.is(ok.exitCode, 0, ok.stderr);
  t.regex(ok.stdout, /\[viewer-env\] ✔ check binary packages \(emerge --pretend\) \(\d+\.\d s\): 1 binary package to merge/);
  t.regex(ok.stdout, new RegExp(`✔ assembled: ${prefix}/viewer-env:[0-9a-f]{12}, ${prefix}/viewer-env:stable — 1 package from ${prefix}/science:`));

  const json = await cli(['assemble', 'viewer-env', '--json'], { cwd: dir, timeout: 300_000 });
  t.is(json.exitCode, 0, json.stderr);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status?: string; packages?: string[] });
  const result = lines.at(-1)!;
  t.is(result.event, 'result');
  t.is(result.status, 'up-to-date');
  // dev-libs/mylib is installed in the science image already: only the viewer is merged
  t.deepEqual(result.packages, ['app-misc/viewer-2.1-1']);
  t.true(lines.some((l) => l.event === 'step:end'));

  const miss = await cli(['assemble', 'more', '--from', 'science', '--with', 'app-misc/viewer', 'sci-physics/nothing'], { cwd: dir, timeout: 300_000 });
  t.is(miss.exitCode, 1);
  t.regex(miss.stderr, /binfarm: cannot assemble "more" from subject "science": 1 package has no binary package/);
  t.regex(miss.stderr, /sci-physics\/nothing \(requested\): no subject builds it/);
  t.regex(miss.stderr, /hint: An assembly never compiles/);
});
