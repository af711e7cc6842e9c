/**
 * binfarm outside this repository: `npm pack`, the tarball installed into an empty directory
 * with `npm install`, and the installed command used there the way a new user would
 * (README "Install"). Nothing of the clone may be needed at run time: the installed copy must
 * not resolve back into it.
 */
import test from 'ava';
import { execa, type Options } from 'execa';
import { existsSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('npm pack → npm install into an empty directory → binfarm --help, init, plan, render; the farm installs, type-checks and tests', async (t) => {
  // Two `npm install`s of ~170 packages each (from the npm cache when it has them) and a type check of
  // binfarm's sources: about a minute on an idle machine, over ten under a load of 30 on 2 cores.
  t.timeout(15 * 60_000);
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'binfarm-packaged-')));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  // A clean environment: no tsx hooks of the test runner, no config overrides of this machine.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('BINFARM_')));
  const run = async (cmd: string, args: string[], opts: Options & { cwd: string }) => {
    const started = Date.now();
    const r = await execa(cmd, args, { reject: false, env, extendEnv: false, all: true, ...opts });
    t.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${cmd} ${args.join(' ')}`);
    t.is(r.exitCode, 0, `${cmd} ${args.join(' ')} in ${opts.cwd}:\n${String(r.all)}`);
    return String(r.stdout);
  };
  const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline'];

  const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: repo })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(tmp, packed[0]!.filename);
  const shipped = packed[0]!.files.map((f) => f.path);
  t.true(shipped.includes('bin/binfarm.js') && shipped.includes('core/portage/strategies/merge.ts'), 'the command and the built-in strategies are in the package');
  t.false(shipped.some((p) => /^(test|plugins|bench)\//.test(p)), 'tests, workspace plugins and benchmarks are not');
  t.true(shipped.includes('dist/core/cli/main.js') && shipped.includes('dist/build-info.json'), 'the compiled copy (prepack) is in the package');

  const empty = join(tmp, 'empty');
  await execa('mkdir', [empty]);
  await run('npm', [...npmInstall, tarball], { cwd: empty });
  const installed = join(empty, 'node_modules', 'binfarm');
  t.false(realpathSync(installed).startsWith(realpathSync(repo)), 'a copy, not a link to the clone');

  t.regex(await run('npx', ['--no-install', 'binfarm', '--help'], { cwd: empty }), /Usage: binfarm/);

  // A plain farm next to the installed binfarm: plan, and render with the built-in patch strategies.
  t.regex(await run('npx', ['--no-install', 'binfarm', 'init', 'plain-farm'], { cwd: empty }), new RegExp(`binfarm dependency: file:${tarball.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the tarball`));
  const plain = join(empty, 'plain-farm');
  // tsx (the loader the test suite uses) loads binfarm's .ts from inside node_modules too.
  t.regex(await run('npx', ['--no-install', 'binfarm', 'plan'], { cwd: plain, env: { ...env, BINFARM_LOADER: 'tsx' } }), /smoke/);
  await run('npx', ['--no-install', 'binfarm', 'render', 'smoke', '--out', join(tmp, 'render')], { cwd: plain });
  t.regex(readFileSync(join(tmp, 'render/etc/portage/sets/smoke'), 'utf8'), /app-misc\/hello/);
  // The installed command runs the compiled copy: with the TypeScript sources moved away it still
  // plans (the farm's binfarm.config.ts gets the compiled public API as 'binfarm').
  renameSync(join(installed, 'core'), join(installed, 'core.away'));
  try {
    t.regex(await run('npx', ['--no-install', 'binfarm', 'plan'], { cwd: plain }), /smoke/);
  } finally {
    renameSync(join(installed, 'core.away'), join(installed, 'core'));
  }

  // A group plugin author's farm: its own npm install, then plan, typecheck and the plugin's test.
  await run('npx', ['--no-install', 'binfarm', 'init', 'group-farm', '--plugin', 'my-group'], { cwd: empty });
  const farm = join(empty, 'group-farm');
  const pkg = JSON.parse(readFileSync(join(farm, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  t.is(pkg.dependencies.binfarm, `file:${tarball}`);
  await run('npm', npmInstall, { cwd: farm });
  t.true(existsSync(join(farm, 'node_modules/binfarm/core/portage/strategies/index.ts')));
  const plan = await run('npx', ['--no-install', 'binfarm', 'plan'], { cwd: farm });
  t.regex(plan, /my-group/);
  t.regex(plan, /smoke/);
  await run('npm', ['run', 'typecheck'], { cwd: farm });
  t.regex(String(await run('npm', ['test'], { cwd: farm, all: true })), /2 tests passed/);
});
