/**
 * `binfarm runs`, `runs show`, `logs` and `ls` as a user types them: a real run (real dockerd,
 * the fixture emerge) leaves a journal; a failed run and a run whose process died are listed as
 * such; logs print the subject's log and Portage's per-package log.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { removeImages, writeTree } from '../assemble/_env.ts';
import { cli } from './_cli.ts';

test.serial('runs, runs show, logs and ls after a good and a failed run', async (t) => {
  const stage3 = await emergeFixtureImage();
  const prefix = `binfarm-test-history-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const dir = makeProject(t, {});
  writeTree(join(dir, 'tree'));
  const config = (extra: string) => `{
    imagePrefix: ${JSON.stringify(prefix)},
    cacheDir: 'cache',
    stage3: { type: 'local', image: ${JSON.stringify(stage3)} },
    tree: { type: 'dir', path: 'tree' },
    mount: { strategy: 'bind' },
    subjects: {
      science: { description: 'the science layer', sets: { science: { 'app-misc/viewer': {}, 'dev-libs/mylib': {} } } },
      ${extra}
    },
  }`;
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config('')));

  const empty = await cli(['runs'], { cwd: dir });
  t.is(empty.exitCode, 0, empty.stderr);
  t.regex(empty.stdout, /no runs yet/);

  const run = await cli(['run', 'science', '--renderer', 'simple'], { cwd: dir, timeout: 300_000 });
  t.is(run.exitCode, 0, run.stderr);

  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config(`broken: { parent: 'science', sets: { b: { 'app-misc/broken-tool': {} } } },`)));
  const bad = await cli(['run', 'broken', '--renderer', 'simple'], { cwd: dir, timeout: 300_000 });
  t.is(bad.exitCode, 1, bad.stdout);

  const runs = await cli(['runs'], { cwd: dir });
  t.is(runs.exitCode, 0, runs.stderr);
  const lines = runs.stdout.trim().split('\n');
  t.is(lines.length, 2, runs.stdout);
  // newest first: the failed run, then the good one
  t.regex(lines[0]!, /^\d{8}-\d{6}-[0-9a-f]{4} {2}failed .* binfarm run broken --renderer simple .*failed broken/);
  t.regex(lines[1]!, /^\d{8}-\d{6}-[0-9a-f]{4} {2}done .* binfarm run science --renderer simple .*built base science/);

  const show = await cli(['runs', 'show', 'last'], { cwd: dir });
  t.is(show.exitCode, 0, show.stderr);
  t.regex(show.stdout, /run \S+: failed in /);
  t.regex(show.stdout, /error: +broken: /);
  t.regex(show.stdout, /broken +failed /);
  t.regex(show.stdout, /app-misc\/broken-tool-\S+ +built .*FAILED/);

  const goodId = lines[1]!.split(' ')[0]!;
  const json = await cli(['runs', 'show', goodId.slice(0, 17), '--json'], { cwd: dir });
  t.is(json.exitCode, 0, json.stderr);
  const j = JSON.parse(json.stdout) as {
    status: string;
    journal: { subjects: Array<{ name: string; status: string; packages?: Record<string, { ms: number; binary: boolean }> }> };
  };
  t.is(j.status, 'done');
  const science = j.journal.subjects.find((s) => s.name === 'science')!;
  t.is(science.status, 'built');
  t.deepEqual(Object.keys(science.packages ?? {}).sort(), ['app-misc/viewer-2.1', 'dev-libs/mylib-1.4.2']);
  t.true(Object.values(science.packages!).every((p) => p.ms >= 0 && p.binary === false));

  // logs: the newest run that built the subject (science was skipped by the failed run)
  const logs = await cli(['logs', 'science'], { cwd: dir });
  t.is(logs.exitCode, 0, logs.stderr);
  t.regex(logs.stderr, new RegExp(`== .*${goodId}/science\\.log \\(run ${goodId}, done\\)`));
  t.regex(logs.stdout, /== science: build started/);
  t.regex(logs.stdout, />>> Emerging \(\d of 2\) dev-libs\/mylib-1\.4\.2/);

  // --follow on a finished run prints the log and returns (its journal says it is done)
  const followed = await cli(['logs', 'science', '--follow'], { cwd: dir, timeout: 30_000 });
  t.is(followed.exitCode, 0, followed.stderr);
  t.is(followed.stdout, logs.stdout);

  const pkg = await cli(['logs', 'broken', '--package', 'app-misc/broken-tool'], { cwd: dir });
  t.is(pkg.exitCode, 0, pkg.stderr);
  t.regex(pkg.stdout, /\* Package: +app-misc\/broken-tool-\S+:0/);
  const noPkg = await cli(['logs', 'science', '--package', 'sys-apps/nothing'], { cwd: dir });
  t.is(noPkg.exitCode, 64);
  t.regex(noPkg.stderr, /has no Portage build log of "sys-apps\/nothing" for subject "science"/);
  const unknown = await cli(['logs', 'sciense'], { cwd: dir });
  t.is(unknown.exitCode, 2);
  t.regex(unknown.stderr, /unknown subject "sciense"/);

  // a journal whose process is gone (kill -9, power loss) reads as died
  const goodDir = join(dir, '.binfarm', 'runs', goodId, 'run.json');
  const journal = JSON.parse(readFileSync(goodDir, 'utf8')) as Record<string, unknown>;
  writeFileSync(goodDir, JSON.stringify({ ...journal, status: 'running', pid: 2 ** 22 + 17 }));
  const died = await cli(['runs'], { cwd: dir });
  t.regex(died.stdout.trim().split('\n')[1]!, / died /);

  const status = await cli(['status'], { cwd: dir });
  t.is(status.exitCode, 0, status.stderr);
  t.regex(status.stdout, /^base +[0-9a-f]{12} {2}\d+ (s|min) ago +up to date$/m);
  t.regex(status.stdout, /^ {2}science +[0-9a-f]{12} {2}\d+ (s|min) ago +up to date$/m);
  t.regex(status.stdout, new RegExp(`^ +${prefix}/science:[0-9a-f]{12} \\(run ${goodId}, 2 packages, build \\d`, 'm'));
  t.regex(status.stdout, /^ +slowest: (app-misc\/viewer-2\.1|dev-libs\/mylib-1\.4\.2) \d/m);
  t.regex(status.stdout, /^ {4}broken +never built +stale: no previous build/m);
  const sj = JSON.parse((await cli(['status', '--json'], { cwd: dir })).stdout) as { subjects: Array<{ name: string; action: string; built?: { runId: string } }> };
  t.deepEqual(sj.subjects.map((x) => [x.name, x.action, x.built?.runId ?? null]), [['base', 'skip', goodId], ['science', 'skip', goodId], ['broken', 'build', null]]);

  const ls = await cli(['ls'], { cwd: dir });
  t.is(ls.exitCode, 0, ls.stderr);
  t.deepEqual(ls.stdout.trim().split('\n').map((l) => l.replace(/(\S)\s{2,}.*$/, '$1')), ['base', '  science', '    broken']);
  t.regex(ls.stdout, /science +1 set, 2 atoms +from config {2}— the science layer/);
});
