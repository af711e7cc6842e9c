/**
 * `binfarm shell` as a user types it, against the real dockerd and the fixture emerge: the clear
 * errors (unknown subject, never built, no failed build kept), a command run in the subject's
 * image with the tree and the binhost partition mounted as in a build (the partition read-only),
 * its exit code, stdin passed through, a TTY under a real terminal, and no container left behind; `--failed` opens the build
 * kept by `--keep-failed`.
 */
import test from 'ava';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { removeImages, writeTree } from '../assemble/_env.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { runInPty } from '../helpers/pty.ts';
import { BIN, cleanEnv, cli } from './_cli.ts';

/** Containers of this test's farm still present (running or not): its subjects' build containers. */
async function leftContainers(prefix: string): Promise<string[]> {
  const docker = await dockerForTests();
  const all = await docker.listContainers({ all: true, filters: { label: ['binfarm.owned=1'] } });
  return all.filter((c) => c.Image.startsWith(`${prefix}/`) || c.Image.includes(prefix)).map((c) => `${c.Names.join(',')} ${c.Image}`);
}

test.serial('shell: errors, a command in the current image with tree and binhost, stdin, exit code, removed on exit, --failed', async (t) => {
  const stage3 = await emergeFixtureImage();
  const prefix = `binfarm-test-shell-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const dir = makeProject(t, {});
  writeTree(join(dir, 'tree'));
  writeFileSync(
    join(dir, 'binfarm.config.ts'),
    configTs(`{
    imagePrefix: ${JSON.stringify(prefix)},
    cacheDir: 'cache',
    stage3: { type: 'local', image: ${JSON.stringify(stage3)} },
    tree: { type: 'dir', path: 'tree' },
    mount: { strategy: 'bind' },
    subjects: {
      science: { sets: { science: { 'app-misc/viewer': {}, 'dev-libs/mylib': {} } } },
      broken: { parent: 'science', sets: { b: { 'app-misc/broken-tool': {} } } },
    },
  }`),
  );

  const unknown = await cli(['shell', 'scince', '--', 'true'], { cwd: dir });
  t.is(unknown.exitCode, 2, unknown.stderr);
  t.regex(unknown.stderr, /unknown subject "scince".*did you mean "science"/is);

  const never = await cli(['shell', 'science', '--', 'true'], { cwd: dir });
  t.is(never.exitCode, 2, never.stderr);
  t.regex(never.stderr, /subject "science" has never been built/);
  t.regex(never.stderr, /binfarm run science/);

  const run = await cli(['run', 'science', '--renderer', 'simple'], { cwd: dir, timeout: 300_000 });
  t.is(run.exitCode, 0, run.stderr);

  // The tree (profiles/repo_name) and the partition (its Packages index, science's binpkgs) are
  // there; the partition cannot be written; the command's exit code is the shell's.
  const script = [
    'cat /var/db/repos/gentoo/profiles/repo_name',
    'ls /var/cache/binpkgs/Packages /var/cache/binpkgs/dev-libs',
    'touch /var/cache/binpkgs/written 2>/dev/null && echo WRITABLE',
    'cat /usr/share/binfarm-fixture/dev-libs/mylib',
    'echo to-stderr >&2',
    'exit 7',
  ].join('\n');
  const inside = await cli(['shell', 'science', '--', 'sh', '-c', script], { cwd: dir, timeout: 300_000 });
  t.is(inside.exitCode, 7, `${inside.stdout}\n${inside.stderr}`);
  t.regex(inside.stdout, /^gentoo$/m);
  t.regex(inside.stdout, /Packages/);
  t.regex(inside.stdout, /mylib-1\.4\.2/);
  t.notRegex(inside.stdout, /WRITABLE/);
  t.regex(inside.stdout, /dev-libs\/mylib-1\.4\.2/);
  t.regex(inside.stderr, /to-stderr/);
  t.notRegex(inside.stdout, /to-stderr/);
  t.deepEqual(await leftContainers(prefix), []);
  // A shell is not a run: `binfarm runs` lists the one run only.
  const runs = await cli(['runs'], { cwd: dir });
  t.is(runs.stdout.trim().split('\n').length, 1, runs.stdout);

  // No command and stdin not a terminal: the shell reads its commands from stdin.
  const piped = await execa(process.execPath, [BIN, 'shell', 'science'], {
    cwd: dir,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    timeout: 300_000,
    input: 'echo "from stdin $((6 * 7))"\nexit 3\n',
  });
  t.is(piped.exitCode, 3, String(piped.stderr));
  t.regex(String(piped.stdout), /from stdin 42/);
  t.deepEqual(await leftContainers(prefix), []);

  // A terminal: the shell gets a TTY of its own (`tty` answers), typed lines go in, its exit code comes out.
  const pty = runInPty([process.execPath, BIN, 'shell', 'science'], { cwd: dir, env: cleanEnv({ TERM: 'xterm' }) });
  t.teardown(() => pty.kill());
  await pty.waitFor(/shell in the current image .*removed on exit/, 300_000);
  pty.type('tty && echo "answer $((6 * 7))"; exit 5\r');
  await pty.waitFor(/answer 42/, 60_000);
  t.is(await pty.exited, 5, pty.screen());
  t.regex(pty.screen(), /^\/dev\/pts\/\d+\r?$/m);
  t.deepEqual(await leftContainers(prefix), []);

  const noFailed = await cli(['shell', '--failed', 'broken', '--', 'true'], { cwd: dir });
  t.is(noFailed.exitCode, 2, noFailed.stderr);
  t.regex(noFailed.stderr, /no failed build of subject "broken" is kept/);
  t.regex(noFailed.stderr, /--keep-failed/);

  const bad = await cli(['run', 'broken', '--renderer', 'simple', '--keep-failed'], { cwd: dir, timeout: 300_000 });
  t.is(bad.exitCode, 1, bad.stdout);
  const failed = await cli(
    ['shell', '--failed', 'broken', '--', 'sh', '-c', 'cat /usr/share/binfarm-fixture/app-misc/viewer; ls /var/db/repos/gentoo/profiles'],
    {
      cwd: dir,
      timeout: 300_000,
    },
  );
  t.is(failed.exitCode, 0, failed.stderr);
  t.regex(failed.stdout, /app-misc\/viewer-2\.1/);
  t.regex(failed.stdout, /repo_name/);
  t.deepEqual(await leftContainers(prefix), []);
});
