import test from 'ava';
import { PassThrough } from 'node:stream';
import { selectRenderer, isCI } from '../../core/run/progress/select-renderer.ts';
import { createReporter } from '../../core/run/progress/create-reporter.ts';
import { runFarm } from '../../core/run/runner.ts';
import { builderPlugin, offlineCollaborators, planOf, testFarm } from './_farm.ts';

test('renderer selection: --json, --renderer, --quiet, --verbose, TTY, CI, TERM=dumb', (t) => {
  const base = { isTTY: true, env: {} };
  t.is(selectRenderer(base), 'default');
  t.is(selectRenderer({ ...base, isTTY: false }), 'simple');
  t.is(selectRenderer({ ...base, env: { CI: 'true' } }), 'simple');
  t.is(selectRenderer({ ...base, env: { CI: '1' } }), 'simple');
  t.is(selectRenderer({ ...base, env: { CI: 'false' } }), 'default');
  t.is(selectRenderer({ ...base, env: { GITHUB_ACTIONS: 'true' } }), 'simple');
  t.is(selectRenderer({ ...base, env: { TERM: 'dumb' } }), 'simple');
  t.is(selectRenderer({ ...base, verbose: true }), 'verbose');
  t.is(selectRenderer({ ...base, isTTY: false, verbose: true }), 'verbose');
  t.is(selectRenderer({ ...base, quiet: true }), 'silent');
  t.is(selectRenderer({ ...base, json: true, quiet: true }), 'json');
  t.is(selectRenderer({ ...base, isTTY: false, explicit: 'default' }), 'default');
  t.is(selectRenderer({ ...base, explicit: 'verbose', json: true }), 'json');
  t.false(isCI({ CI: '' }));
});

function capture(tty = false): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let buf = '';
  s.on('data', (d: Buffer) => (buf += d.toString()));
  Object.assign(s, { isTTY: tty, columns: 120, rows: 50 });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => buf };
}

async function runWith(t: import('ava').ExecutionContext, renderer: Parameters<typeof createReporter>[0], fail?: string) {
  const out = capture(renderer === 'default');
  const err = capture(renderer === 'default');
  const farm = testFarm(t, { plugins: [builderPlugin(fail ? { fail } : {})], subjects: { tools: {}, extra: { parent: 'tools' } } });
  farm.hooks.beforeRun.tap('warner', (run) => run.logger.warn('a farm-level warning'));
  // A plugin's own logger: its info lines are meant for the user.
  farm.hooks.done.tap('reporter-plugin', () => farm.getLogger('reporter-plugin').info('report written to report.html'));
  farm.hooks.beforeRun.tap('chatty', (run) => run.logger.info('binfarm-internal detail'));
  const result = await runFarm(farm, {
    plan: planOf(farm, ['base', 'tools', 'extra']),
    reporter: createReporter(renderer, { stdout: out.stream, stderr: err.stream }),
    collaborators: offlineCollaborators(),
  });
  return { result, out: out.text(), err: err.text() };
}

test('--json: one JSON object per line for every state change, output, title and log line, then the summary', async (t) => {
  const { out } = await runWith(t, 'json', 'extra/package');
  const events = out.trimEnd().split('\n').map((l) => JSON.parse(l) as { event: string; time: string; subject?: string; phase?: string });
  t.true(events.every((e) => typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time))));
  t.is(events[0]!.event, 'run:start');
  t.is(events.find((e) => e.event !== 'log' && e.event !== 'run:start')?.event, 'run:plan');
  t.is(events.at(-1)!.event, 'run:end');
  const kinds = new Set(events.map((e) => e.event));
  for (const k of ['subject:start', 'subject:end', 'phase:start', 'phase:end', 'phase:fail', 'output', 'title', 'log']) t.true(kinds.has(k), k);
  const toolsEmerge = events.filter((e) => e.subject === 'tools' && e.phase === 'emerge').map((e) => e.event);
  t.deepEqual(toolsEmerge, ['phase:start', 'title', 'output', 'log', 'phase:end']);
  const end = events.at(-1) as unknown as { status: string; failures: Array<{ subject: string; phase: string; tail: string[] }> };
  t.is(end.status, 'failed');
  t.is(end.failures[0]?.subject, 'extra');
  t.is(end.failures[0]?.phase, 'package');
  t.true(end.failures[0]!.tail.length > 3);
});

test('line renderer (not a TTY / CI): every line names its subject; output lines only with verbose', async (t) => {
  const simple = await runWith(t, 'simple');
  t.regex(simple.out, /^run \d{8}-\d{6}-[0-9a-f]{4}: 3 subjects, 3 to build/m);
  t.regex(simple.out, /^\[tools\] ▶ emerge$/m);
  t.regex(simple.out, /^\[tools\] ✔ emerge \(\d+\.\d s\) by test-builder: emerge ok$/m);
  t.regex(simple.out, /^\[tools\] ↓ publish skipped: run\.publish is off \(by test-builder\)$/m);
  t.regex(simple.out, /^\[extra\] ✔ built in \d+\.\d s$/m);
  t.regex(simple.out, /^\[binfarm:run\]   warn: a farm-level warning$/m);
  t.regex(simple.out, /^\[reporter-plugin\]   report written to report\.html$/m);
  t.false(simple.out.includes('binfarm-internal detail'), "binfarm's own info stays in run.log");
  t.false(simple.out.includes('emerge output line'));
  const verbose = await runWith(t, 'verbose');
  t.regex(verbose.out, /^\[tools\]   │ emerge output line for tools$/m);
  t.regex(verbose.out, /^\[tools\]   emerge says hello$/m);
});

// serial: listr2 decides "is a terminal" from process.stdout, which this test pretends.
test.serial('live tree (TTY): listr2 renders subjects with their phases, marks and skip reasons', async (t) => {
  const wasTTY = process.stdout.isTTY;
  process.stdout.isTTY = true;
  t.teardown(() => void (process.stdout.isTTY = wasTTY));
  const { out, err, result } = await runWith(t, 'default', 'extra/emerge');
  t.is(result.status, 'failed');
  const plain = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  t.regex(plain, /^run \d{8}-\d{6}-[0-9a-f]{4} — logs: \/\S+\/runs\/\d{8}-\d{6}-[0-9a-f]{4}\/$/m);
  t.regex(plain, /✔ tools \(built in \d+\.\ds\)/);
  t.regex(plain, /✔ emerge \(by test-builder: emerge ok\)/);
  t.regex(plain, /↓ publish: run\.publish is off/);
  t.regex(plain, /✖ plugin "test-builder" failed in hook "emerge" for subject "extra": emerge\s+of extra broke/); // wrapped at the terminal width
  // farm-level warnings wait until the tree is done, then go to stderr
  t.regex(err, /\[binfarm:run\] warn: a farm-level warning/);
});

test('--quiet: the silent renderer prints nothing (warnings stay in run.log)', async (t) => {
  const { out, err } = await runWith(t, 'silent');
  t.is(out, '');
  t.is(err, '');
});

test.serial('live tree: a failure between two phases (the content key) ends the tree instead of hanging it', async (t) => {
  const wasTTY = process.stdout.isTTY;
  process.stdout.isTTY = true;
  t.teardown(() => void (process.stdout.isTTY = wasTTY));
  const out = capture(true);
  const err = capture(true);
  const farm = testFarm(t, { plugins: [builderPlugin()], subjects: { tools: {} } });
  const failingKey = {
    ...offlineCollaborators(),
    rekey: async () => {
      throw Object.assign(new Error('the content key of subject "base" cannot be computed'), { code: 'E_PLAN' });
    },
  };
  const result = await runFarm(farm, {
    plan: planOf(farm, ['base', 'tools']),
    reporter: createReporter('default', { stdout: out.stream, stderr: err.stream }),
    collaborators: failingKey,
  });
  t.is(result.status, 'failed');
  t.is(result.failures[0]?.phase, undefined);
  t.deepEqual(result.builds.get('base')!.phases.map((p) => p.phase), ['fetchStage3', 'mountPortage', 'applyPatches', 'emerge']);
  const plain = out.text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  t.regex(plain, /✔ mount portage tree/);
  t.regex(plain, /✔ emerge/);
  t.regex(plain, /content key of subject "base" cannot be computed/);
  t.regex(plain, /↓ tools: parent "base" failed/);
});

// listr2 registers a SIGINT listener of its own that exits 127 at once (no summary, no cleanup, the
// build container left running); the live displays must leave Ctrl-C to the CLI (core/engine/signals.ts).
test.serial('the live displays (run and assemble) leave SIGINT to the CLI', async (t) => {
  const wasTTY = process.stdout.isTTY;
  process.stdout.isTTY = true;
  t.teardown(() => void (process.stdout.isTTY = wasTTY));
  const before = process.listenerCount('SIGINT');
  // listr2 draws only after its constructor ran (which is where it would add its listener).
  const drawn = async (out: { text: () => string }) => {
    for (let i = 0; i < 5000 && !out.text(); i++) await new Promise((r) => setTimeout(r, 1));
    t.not(out.text(), '', 'the live display started');
  };
  const runOut = capture(true);
  const run = createReporter('default', { stdout: runOut.stream, stderr: capture(true).stream });
  run.emit({ event: 'run:plan', concurrency: 1, subjects: [{ name: 'base', parent: null, action: 'build', reasons: [] }] });
  await drawn(runOut);
  t.is(process.listenerCount('SIGINT'), before, 'no SIGINT listener while the run\'s task tree renders');
  run.emit({ event: 'run:end', status: 'interrupted', summary: { built: [], skipped: [], failed: [] }, runDir: '/nonexistent', ms: 0, failures: [] });
  await run.close();

  const { createAssembleReporter } = await import('../../core/assemble/progress.ts');
  const asmOut = capture(true);
  const assemble = createAssembleReporter('default', { stdout: asmOut.stream, stderr: capture(true).stream });
  assemble.emit({ event: 'assemble:start', name: 'x', runId: 'r', runDir: '/nonexistent' });
  await drawn(asmOut);
  t.is(process.listenerCount('SIGINT'), before, 'no SIGINT listener while the assemble task list renders');
  assemble.emit({ event: 'assemble:end', status: 'interrupted', ms: 0 });
  await assemble.close();
});

test.serial('live tree: every package in flight in the emerge title; Portage\'s ">>> Jobs:" lines are not shown', async (t) => {
  const wasTTY = process.stdout.isTTY;
  process.stdout.isTTY = true;
  t.teardown(() => void (process.stdout.isTTY = wasTTY));
  const out = capture(true);
  const err = capture(true);
  const r = createReporter('default', { stdout: out.stream, stderr: err.stream });
  r.emit({ event: 'run:start', runId: '20261201-120000-abcd', runDir: '/srv/farm/.binfarm/runs/20261201-120000-abcd' });
  r.emit({ event: 'run:plan', concurrency: 1, subjects: [{ name: 'hep-core', parent: null, action: 'build', reasons: [] }] });
  r.emit({ event: 'subject:start', subject: 'hep-core' });
  for (const phase of ['fetchStage3', 'mountPortage', 'applyPatches'] as const) {
    r.emit({ event: 'phase:start', subject: 'hep-core', phase });
    r.emit({ event: 'phase:end', subject: 'hep-core', phase, record: { phase, status: 'done', ms: 1 } });
  }
  r.emit({ event: 'phase:start', subject: 'hep-core', phase: 'emerge' });
  r.emit({ event: 'package:start', subject: 'hep-core', cpv: 'dev-libs/boost-1.88.0', binary: false });
  r.emit({ event: 'package:start', subject: 'hep-core', cpv: 'sci-libs/gsl-2.8', binary: true });
  r.emit({ event: 'output', subject: 'hep-core', phase: 'emerge', line: '>>> Jobs: 0 of 2 complete, 2 running' });
  await new Promise((res) => setTimeout(res, 300)); // let the renderer draw the in-flight title
  r.emit({ event: 'package:end', subject: 'hep-core', cpv: 'sci-libs/gsl-2.8', binary: true, status: 'done', ms: 5 });
  r.emit({ event: 'output', subject: 'hep-core', phase: 'emerge', line: 'make -j16 all' });
  await new Promise((res) => setTimeout(res, 300));
  r.emit({ event: 'phase:end', subject: 'hep-core', phase: 'emerge', record: { phase: 'emerge', status: 'done', ms: 9 } });
  for (const phase of ['package', 'publish'] as const) {
    r.emit({ event: 'phase:start', subject: 'hep-core', phase });
    r.emit({ event: 'phase:end', subject: 'hep-core', phase, record: { phase, status: 'done', ms: 1 } });
  }
  r.emit({ event: 'subject:end', subject: 'hep-core', status: 'built', ms: 20 });
  r.emit({ event: 'log', level: 'info', origin: 'reporter-plugin', message: 'report written to report.html' });
  r.emit({ event: 'log', level: 'info', origin: 'binfarm:run', message: 'binfarm-internal detail' });
  r.emit({ event: 'run:end', status: 'done', summary: { built: ['hep-core'], skipped: [], failed: [] }, runDir: '/srv/x', ms: 30, failures: [] });
  await r.close();
  // a plugin's own info lines wait for the tree, then go to stderr; binfarm's stay in run.log
  t.regex(err.text(), /^\[reporter-plugin\] report written to report\.html$/m);
  t.false(err.text().includes('binfarm-internal detail'));
  const plain = out.text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  t.regex(plain, /^run 20261201-120000-abcd — logs: \/srv\/farm\/\.binfarm\/runs\/20261201-120000-abcd\/$/m);
  t.regex(plain, /emerge: dev-libs\/boost-1\.88\.0, sci-libs\/gsl-2\.8 \(binary\)/);
  t.regex(plain, /emerge: dev-libs\/boost-1\.88\.0(?!,)/);
  t.regex(plain, /make -j16 all/);
  t.false(plain.includes('>>> Jobs:'));
});
