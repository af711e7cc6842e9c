import test from 'ava';
import { readFileSync } from 'node:fs';
import { runFarm } from '../../core/run/runner.ts';
import { PHASES } from '../../core/run/context.ts';
import { REKEY, SUBJECT_WALK } from '../../core/run/walk.ts';
import { collectingReporter } from '../../core/run/progress/events.ts';
import { builderPlugin, offlineCollaborators, planOf, testFarm, type Step } from './_farm.ts';

test('the subject walk is the six phases in order with the re-key between emerge and package', (t) => {
  t.deepEqual(
    SUBJECT_WALK.filter((s) => s !== REKEY),
    [...PHASES],
  );
  t.deepEqual(SUBJECT_WALK.slice(SUBJECT_WALK.indexOf('emerge'), SUBJECT_WALK.indexOf('package') + 1), ['emerge', REKEY, 'package']);
});

test('a run walks each subject: the re-key runs after its emerge ended and before its package started', async (t) => {
  const steps: Step[] = [];
  const farm = testFarm(t, { plugins: [builderPlugin({ steps })], subjects: { tools: {} } });
  const rekeys: Array<{ subject: string; t: number; key: string | undefined }> = [];
  const result = await runFarm(farm, {
    plan: planOf(farm, ['base', 'tools']),
    collaborators: {
      ...offlineCollaborators(),
      rekey: async (b) => {
        rekeys.push({ subject: b.subject.name, t: performance.now(), key: b.key });
        return `walked-${b.subject.name}`;
      },
    },
  });
  t.is(result.status, 'done');
  t.deepEqual(
    rekeys.map((r) => r.subject),
    ['base', 'tools'],
  );
  for (const r of rekeys) {
    const at = (phase: string, when: 'start' | 'end') => steps.find((s) => s.subject === r.subject && s.phase === phase && s.at === when)!.t;
    t.true(at('emerge', 'end') <= r.t, `${r.subject}: re-key after emerge`);
    t.true(r.t <= at('package', 'start'), `${r.subject}: re-key before package`);
  }
  const tools = result.builds.get('tools')!;
  t.is(tools.key, 'walked-tools');
  const log = readFileSync(tools.logFile, 'utf8');
  t.regex(log, /== phase emerge: claimed[^\n]*\n== content key walked-tools\n== phase package\n/, 'the log shows the re-key between emerge and package');
});

test('with the executor asking for one preparation at a time, subjects prepare in plan order, each once the one before is prepared', async (t) => {
  for (const preparedInEmerge of [false, true]) {
    const steps: Step[] = [];
    const farm = testFarm(t, { plugins: [builderPlugin({ steps, ms: 15, preparedInEmerge })], run: { concurrency: 3 }, subjects: { a: {}, b: {}, c: {} } });
    const reporter = collectingReporter();
    const result = await runFarm(farm, {
      plan: planOf(farm, ['base', 'a', 'b', 'c']),
      collaborators: { ...offlineCollaborators(), preparations: async () => 1 },
      reporter,
    });
    const titles = reporter.events.flatMap((e) => (e.event === 'title' ? [`${e.subject}: ${e.title}`] : []));
    t.is(result.status, 'done');
    const at = (s: string, phase: string, when: 'start' | 'end') => steps.find((x) => x.subject === s && x.phase === phase && x.at === when)!.t;
    if (preparedInEmerge) {
      // The executor said so as its emerge began: the next subject prepares while it emerges.
      t.true(at('b', 'fetchStage3', 'start') >= at('a', 'emerge', 'start'));
      t.true(at('b', 'fetchStage3', 'start') < at('a', 'emerge', 'end'), 'b prepares while a emerges');
      t.true(at('c', 'fetchStage3', 'start') < at('b', 'emerge', 'end'), 'c prepares while b emerges');
    } else {
      // Without a word from the executor, a turn ends with the emerge phase.
      t.true(at('b', 'fetchStage3', 'start') >= at('a', 'emerge', 'end'));
      t.true(at('c', 'fetchStage3', 'start') >= at('b', 'emerge', 'end'));
    }
    t.true(
      titles.some((x) => x === 'c: waiting to prepare: 1 subject at a time (run.executor)'),
      titles.join('\n'),
    );
  }
});

test('without a limit from the executor, independent subjects prepare together', async (t) => {
  const steps: Step[] = [];
  const farm = testFarm(t, { plugins: [builderPlugin({ steps, ms: 15 })], run: { concurrency: 3 }, subjects: { a: {}, b: {}, c: {} } });
  const result = await runFarm(farm, {
    plan: planOf(farm, ['base', 'a', 'b', 'c']),
    collaborators: { ...offlineCollaborators(), preparations: async () => undefined },
  });
  t.is(result.status, 'done');
  const at = (s: string, phase: string, when: 'start' | 'end') => steps.find((x) => x.subject === s && x.phase === phase && x.at === when)!.t;
  t.true(at('c', 'fetchStage3', 'start') < at('a', 'applyPatches', 'end'));
});
