import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { cli, spawnCli } from './_cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** A farm whose phases are done by a plugin in the config (no Docker work, real CLI + runner + planner). */
const BUILDER_CONFIG = `import { defineConfig, PHASES, type Plugin } from 'binfarm';
const builder: Plugin = {
  name: 'builder',
  apply(farm) {
    for (const p of PHASES) farm.hooks[p].tapPromise('builder', async (b) => {
      b.progress.output(\`\${p} for \${b.subject.name}\`);
      if (p === 'fetchStage3') b.stage3Digest = 'sha256:s3';
      if (p === 'mountPortage') b.tree = { digest: 'sha256:tree', mounts: [], repos: {} };
      if (process.env.FAIL_AT === \`\${b.subject.name}/\${p}\`) throw new Error(\`\${p} failed on purpose\`);
      if (process.env.HANG_AT === \`\${b.subject.name}/\${p}\`) {
        process.stdout.write('HANGING\\n');
        const busy = setInterval(() => {}, 1000); // stands for the build's I/O keeping the process alive
        await new Promise((r) => b.run.signal.addEventListener('abort', r));
        clearInterval(busy);
      }
      return 'ok';
    });
  },
};
export default defineConfig({ plugins: [builder], subjects: { tools: { sets: { tools: { 'app-misc/jq': {} } } } } });
`;

test('--version prints the package version; --help lists the commands and exit codes', async (t) => {
  const dir = makeProject(t, {});
  const v = await cli(['--version'], { cwd: dir });
  t.is(v.exitCode, 0);
  t.is(v.stdout.trim(), pkg.version);
  const h = await cli(['--help'], { cwd: dir });
  t.is(h.exitCode, 0);
  for (const c of ['run', 'plan', 'lock', 'status', 'ls', 'runs', 'logs', 'clean', 'assemble', 'render', 'import-spec', 'config', 'doctor', 'init', 'binhost', 'serve', 'sbom', 'verify', 'shell']) t.regex(h.stdout, new RegExp(`^  ${c}\\b`, 'm'));
  t.regex(h.stdout, /Exit codes: 0 ok, 1 failure, 2 invalid config, 64 usage error, 130 interrupted/);
  const runHelp = await cli(['run', '--help'], { cwd: dir });
  t.regex(runHelp.stdout, /--fail-fast/);
  // the same code under tsx's loader (how the test suite itself runs it)
  const tsx = await cli(['--version'], { cwd: dir, env: { BINFARM_LOADER: 'tsx' } });
  t.is(tsx.stdout.trim(), pkg.version);
});

test('usage errors exit 64: unknown command (with a suggestion), unknown option, no command', async (t) => {
  const dir = makeProject(t, {});
  const typo = await cli(['confg'], { cwd: dir });
  t.is(typo.exitCode, 64);
  t.regex(typo.stderr, /unknown command 'confg'/);
  t.regex(typo.stderr, /Did you mean config\?/);
  const opt = await cli(['plan', '--explian'], { cwd: dir });
  t.is(opt.exitCode, 64);
  t.regex(opt.stderr, /unknown option '--explian'/);
  const group = await cli(['binhost'], { cwd: dir });
  t.is(group.exitCode, 64, 'a command group without its subcommand');
  t.regex(group.stderr, /Usage: binfarm binhost/);
  const none = await cli([], { cwd: dir });
  t.is(none.exitCode, 64);
  t.regex(none.stdout, /Usage: binfarm/);
});

test('config errors exit 2 with `binfarm: <message>` and `hint:`; nothing is written', async (t) => {
  const empty = makeProject(t, {});
  const missing = await cli(['plan'], { cwd: empty });
  t.is(missing.exitCode, 2);
  t.regex(missing.stderr, /^binfarm: no binfarm config found/m);
  t.regex(missing.stderr, /^hint: Run `binfarm init`/m);

  const bad = makeProject(t, { 'binfarm.config.ts': configTs(`{ run: { jbos: 2 } }`) });
  const invalid = await cli(['run'], { cwd: bad });
  t.is(invalid.exitCode, 2);
  t.regex(invalid.stderr, /✖ run\.jbos: unknown key "jbos" \(did you mean "jobs"\?\)/);
  t.false(existsSync(join(bad, '.binfarm')), 'a failed config load writes nothing');

  const override = await cli(['config', '--set', 'run.jobs=lots'], { cwd: bad });
  t.is(override.exitCode, 2);
  t.regex(override.stderr, /--set run\.jobs: "lots" is not a number/);

  const json = await cli(['plan', '--json'], { cwd: empty });
  t.is(json.exitCode, 2);
  const line = JSON.parse(json.stdout) as { event: string; code: string; exitCode: number };
  t.deepEqual([line.event, line.code, line.exitCode], ['error', 'E_CONFIG_NOT_FOUND', 2]);
});

test('--verbose adds the cause chain to errors', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': `const x: any = undefined;\nexport default { name: x.oops };\n` });
  const r = await cli(['plan', '--verbose'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /^stack \[E_CONFIG_LOAD\]:/m);
  t.regex(r.stderr, /^caused by: .*oops/m);
});

test('binfarm config: effective values with sources (file, env, --set), --json, one key', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{ run: { jobs: 2 }, registry: { url: '127.0.0.1:5000/x', username: 'u', password: 'hunter2' } }`) });
  const r = await cli(['config', '--set', 'run.concurrency=3'], { cwd: dir, env: { BINFARM_PORTAGE__MAKEOPTS: '-j7' } });
  t.is(r.exitCode, 0);
  t.regex(r.stdout, /^  jobs: 2 +# file$/m);
  t.regex(r.stdout, /^  concurrency: 3 +# --set run\.concurrency$/m);
  t.regex(r.stdout, /^  makeopts: -j7 +# env BINFARM_PORTAGE__MAKEOPTS$/m);
  t.regex(r.stdout, /^  password: "\*\*\*\*\*\*\*\*" +# file$/m);
  t.false(r.stdout.includes('hunter2'));
  const one = await cli(['config', 'run.jobs', '--no-sources'], { cwd: dir });
  t.is(one.stdout.trim().split('\n').slice(1).join('\n'), 'run:\n  jobs: 2');
  const j = JSON.parse((await cli(['config', '--json'], { cwd: dir })).stdout) as { options: { registry: { password: string } }; sources: Record<string, string> };
  t.is(j.options.registry.password, '********');
  t.is(j.sources['run.jobs'], 'file');
});

test('binfarm config: the real cacheDir, smoke tests item by item, unset atom fields only with --defaults', async (t) => {
  const dir = makeProject(t, {
    'binfarm.config.ts': configTs(`{ base: { sets: { b: { 'app-misc/hello': { use: ['nls'] } } }, smoke: [{ name: 'hello', cmd: ['hello'], expect: /Hello/ }] } }`),
  });
  const r = await cli(['config'], { cwd: dir, env: { XDG_CACHE_HOME: '/srv/cache' } });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^cacheDir: \/srv\/cache\/binfarm +# default \(\$XDG_CACHE_HOME\/binfarm\)$/m);
  t.regex(r.stdout, /^ {4}\[0\]:$/m);
  t.regex(r.stdout, /^ {6}name: hello +# file$/m);
  t.regex(r.stdout, /^ {6}expect: \/Hello\/ +# file$/m);
  t.false(r.stdout.includes('[{}]'));
  // the atom shows what was set, not its eight unset optional fields
  t.regex(r.stdout, /^ {8}use: \[nls\] +# file$/m);
  t.notRegex(r.stdout, /^ {8}patches: ~/m);
  const all = await cli(['config', 'base.sets', '--defaults'], { cwd: dir });
  t.regex(all.stdout, /^ {8}patches: ~ +# default$/m);
  const j = JSON.parse((await cli(['config', '--json'], { cwd: dir, env: { XDG_CACHE_HOME: '/srv/cache' } })).stdout) as { resolved: { cacheDir: string; stateDir: string } };
  t.is(j.resolved.cacheDir, '/srv/cache/binfarm');
  t.is(j.resolved.stateDir, `${dir}/.binfarm`);
});

test('binfarm plan: the DAG and the actions, text and JSON, without Docker', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': BUILDER_CONFIG });
  const r = await cli(['plan', 'tools'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^plan: 2 subjects, 2 to build/m);
  t.regex(r.stdout, /^ {2}base +build/m);
  t.regex(r.stdout, /^ {4}tools +build/m);
  const j = JSON.parse((await cli(['plan', '--json'], { cwd: dir })).stdout) as { subjects: Array<{ name: string; parent: string | null }> };
  t.deepEqual(j.subjects.map((s) => [s.name, s.parent]), [['base', null], ['tools', 'base']]);
  const unknown = await cli(['plan', 'toolz'], { cwd: dir });
  t.is(unknown.exitCode, 2);
  t.regex(unknown.stderr, /toolz/);
});

test('binfarm run: exit 0, the run dir is printed and holds run.log and one log per subject', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': BUILDER_CONFIG });
  const r = await cli(['run'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^\[tools\] ✔ emerge \(\d+\.\d s\) by builder: ok$/m);
  t.regex(r.stdout, /^✔ run finished: 2 built, 0 skipped, 0 failed/m);
  const runDir = /^logs: (.+)\/$/m.exec(r.stdout)?.[1];
  t.truthy(runDir);
  t.deepEqual(readdirSync(join(dir, runDir!)).sort(), ['base.log', 'run.json', 'run.log', 'tools.log']);
  t.false(existsSync(join(dir, '.binfarm', 'lock')), 'the run lock is released');
});

test('binfarm run: a failing subject exits 1 and shows the last lines of its log', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': BUILDER_CONFIG });
  const r = await cli(['run'], { cwd: dir, env: { FAIL_AT: 'tools/emerge' } });
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /✖ run failed: 1 built, 0 skipped, 1 failed/);
  t.regex(r.stderr, /✖ tools failed in emerge: plugin "builder" failed in hook "emerge" for subject "tools": emerge failed on purpose/);
  t.regex(r.stderr, /── last \d+ lines of \.binfarm\/runs\/[^/]+\/tools\.log ──/);
  t.regex(r.stderr, /│ emerge for tools/);
});

test('binfarm run --json: one event per line, ending with run:end', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': BUILDER_CONFIG });
  const r = await cli(['run', '--json'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status?: string });
  t.is(events[0]?.event, 'run:start');
  t.is(events.at(-1)?.event, 'run:end');
  t.is(events.at(-1)?.status, 'done');
});

test('Ctrl-C during a run: cleanup, a summary, exit 130', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': BUILDER_CONFIG });
  const child = spawnCli(['run'], { cwd: dir, env: { HANG_AT: 'tools/emerge' } });
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('HANGING')) resolve();
    });
  });
  child.kill('SIGINT');
  const r = await child;
  t.is(r.exitCode, 130);
  t.regex(String(r.stderr), /SIGINT received: stopping the run and cleaning up/);
  t.regex(String(r.stderr), /✖ run interrupted: 1 built, 0 skipped, 1 failed/);
  t.false(existsSync(join(dir, '.binfarm', 'lock')), 'the run lock is released');
});

test('binfarm init writes a farm that loads; a second init refuses and lists the files', async (t) => {
  const dir = makeProject(t, {}, { packageJson: false });
  const r = await cli(['init', 'farm', '--plugin', 'physics'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  for (const f of ['binfarm.config.ts', 'package.json', 'tsconfig.json', '.gitignore', 'plugins/physics/package.json', 'plugins/physics/index.ts', 'plugins/physics/test/physics.test.ts']) {
    t.true(existsSync(join(dir, 'farm', f)), f);
  }
  const again = await cli(['init', 'farm'], { cwd: dir });
  t.is(again.exitCode, 64);
  t.regex(again.stderr, /would overwrite 4 existing files/);
  t.regex(again.stderr, /^ {2}binfarm\.config\.ts$/m);
});

test('binfarm doctor: exit 1 when a check fails, with the fix; --json lists every check', async (t) => {
  const dir = makeProject(t, { 'binfarm.config.ts': configTs(`{}`) });
  const r = await cli(['doctor'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
  t.is(r.exitCode, 1);
  t.regex(r.stdout, /^✖ Docker Engine +no Docker Engine answers at unix:\/\/\/nonexistent\/docker\.sock/m);
  t.regex(r.stdout, /fix: /);
  const j = await cli(['doctor', '--json'], { cwd: dir });
  const report = JSON.parse(j.stdout) as { checks: Array<{ id: string; status: string }>; counts: { fail: number } };
  t.deepEqual(report.checks.map((c) => c.id), ['node', 'config', 'docker', 'stage3', 'tree', 'squashfs', 'loop', 'disk', 'registry', 'swarm', 'gpg']);
  t.is(j.exitCode, report.counts.fail ? 1 : 0);
});
