import test from 'ava';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests } from '../helpers/docker.ts';
import { runInPty } from '../helpers/pty.ts';
import { BIN, cleanEnv } from '../cli/_cli.ts';
import { lockPath } from '../../core/plan/lock.ts';
import { pipelineEnv } from './helpers.ts';

// Ctrl-C typed into a real terminal while the default (listr2) display draws the live tree:
// the same honest ending as the line display — exit 130, the summary, nothing left running.
test.serial('Ctrl-C in a terminal with the live task tree: exit 130, the summary, no container left', async (t) => {
  const env = await pipelineEnv(t, 'tty');
  const config = env.config((c) => {
    c.targets = ['hep-core'];
    c.run = { ...c.run, jobs: 1 };
    Object.assign(c.subjects!['hep-core']!.sets!['hep-core']!, { 'app-misc/slow-build': {} });
  });
  // A JSON config cannot hold the regex smoke expectations; they are not what this test is about.
  for (const s of Object.values(config.subjects ?? {})) delete s.smoke;
  delete config.base!.smoke;
  writeFileSync(join(env.dir, '.binfarmrc.json'), JSON.stringify(config));

  const ttyEnv = cleanEnv({ TERM: 'xterm-256color' });
  for (const k of ['CI', 'GITHUB_ACTIONS', 'GITLAB_CI', 'BUILDKITE', 'JENKINS_URL', 'TF_BUILD']) delete ttyEnv[k];
  const pty = runInPty([process.execPath, BIN, '--cwd', env.dir, 'run'], { cwd: env.dir, env: ttyEnv });
  t.teardown(() => pty.kill());
  // The live tree shows the running phase's last output line under it.
  await pty.waitFor(/fixture: sleeping/);
  const runId = readdirSync(join(env.dir, 'state', 'runs'))[0]!;
  const docker = await dockerForTests();
  const label = [`binfarm.run=${runId}`];
  t.true((await docker.listContainers({ filters: { label } })).length > 0, 'the build container runs when Ctrl-C is typed');

  const t0 = performance.now();
  pty.ctrlC();
  const code = await pty.exited;
  const screen = pty.screen();
  t.is(code, 130, screen.slice(-3000));
  t.true(performance.now() - t0 < 90_000, 'it stopped instead of waiting for the sleeping build');
  t.regex(screen, /SIGINT received: stopping the run and cleaning up/);
  t.regex(screen, /run interrupted: 1 built, 0 skipped, 1 failed/);
  t.deepEqual(await docker.listContainers({ all: true, filters: { label } }), [], 'no container of the run is left');
  t.deepEqual((await docker.listVolumes({ filters: { label } })).Volumes ?? [], [], 'no volume of the run is left');
  t.false(existsSync(lockPath(join(env.dir, 'state'))), 'the run lock is released');
});
