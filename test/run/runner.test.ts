import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runFarm } from '../../core/run/runner.ts';
import { collectingReporter } from '../../core/run/progress/events.ts';
import { RUN_ID_PATTERN } from '../../core/run/run-id.ts';
import { PHASES } from '../../core/run/context.ts';
import type { Engine } from '../../core/engine/types.ts';
import { builderPlugin, offlineCollaborators, planOf, testFarm, type Step } from './_farm.ts';

test('a run: lifecycle hooks in order, six phase records per subject, run dir and logs', async (t) => {
  const lifecycle: string[] = [];
  const observer = {
    name: 'observer',
    apply(farm: import('../../core/farm.ts').Farm) {
      farm.hooks.beforeRun.tap('observer', (run) => void lifecycle.push(`beforeRun:${run.runId}`));
      farm.hooks.done.tap('observer', (_run, summary) => void lifecycle.push(`done:${summary.built.join(',')}`));
      farm.hooks.failed.tap('observer', () => void lifecycle.push('failed'));
      farm.hooks.shutdown.tap('observer', () => void lifecycle.push('shutdown'));
    },
  };
  const farm = testFarm(t, { plugins: [observer, builderPlugin()], subjects: { tools: {} } });
  const calls: string[] = [];
  const result = await runFarm(farm, { plan: planOf(farm, ['base', 'tools']), collaborators: offlineCollaborators(calls) });

  t.is(result.status, 'done');
  t.regex(result.runId, RUN_ID_PATTERN);
  t.is(result.runDir, join(farm.rootDir, '.binfarm', 'runs', result.runId));
  t.deepEqual(lifecycle, [`beforeRun:${result.runId}`, 'done:base,tools', 'shutdown']);
  t.deepEqual(calls, ['lock', 'rekey:base', 'rekey:tools', 'unlock']);
  t.deepEqual(result.summary, { built: ['base', 'tools'], skipped: [], failed: [] });

  const tools = result.builds.get('tools')!;
  t.is(tools.parent, result.builds.get('base'));
  t.is(tools.key, 'rekeyed-tools');
  t.deepEqual(
    tools.phases.map((p) => [p.phase, p.status, p.by, p.note]),
    [
      ['fetchStage3', 'claimed', 'test-builder', 'fetchStage3 ok'],
      ['mountPortage', 'claimed', 'test-builder', 'mountPortage ok'],
      ['applyPatches', 'claimed', 'test-builder', 'applyPatches ok'],
      ['emerge', 'claimed', 'test-builder', 'emerge ok'],
      ['package', 'claimed', 'test-builder', 'package ok'],
      ['publish', 'skipped', 'test-builder', 'run.publish is off'],
    ],
  );

  t.deepEqual(readdirSync(result.runDir).sort(), ['base.log', 'run.json', 'run.log', 'tools.log']);
  const journal = JSON.parse(readFileSync(join(result.runDir, 'run.json'), 'utf8')) as { status: string; subjects: Array<{ name: string; status: string }> };
  t.is(journal.status, 'done');
  t.deepEqual(journal.subjects.map((s) => [s.name, s.status]), [['base', 'built'], ['tools', 'built']]);
  const log = readFileSync(join(result.runDir, 'tools.log'), 'utf8');
  t.true(log.includes('emerge output line for tools'));
  t.true(log.includes('== emerge of tools'));
  t.true(log.includes('[info] tools: emerge says hello'));
  const runLog = readFileSync(join(result.runDir, 'run.log'), 'utf8');
  t.regex(runLog, /info +\[tools:tools\] emerge says hello/);
  t.regex(runLog, /done: built 2, skipped 0, failed 0/);
});

test('parents finish before children start; independent subjects run concurrently up to run.concurrency', async (t) => {
  const steps: Step[] = [];
  const farm = testFarm(t, {
    plugins: [builderPlugin({ steps, ms: 15 })],
    run: { concurrency: 2 },
    subjects: { a: {}, b: {}, c: {}, 'a-child': { parent: 'a' }, 'c-child': { parent: 'c' } },
  });
  const result = await runFarm(farm, { plan: planOf(farm, ['base', 'a', 'b', 'c', 'a-child', 'c-child']), collaborators: offlineCollaborators() });
  t.is(result.status, 'done');
  const span = (s: string) => {
    const mine = steps.filter((x) => x.subject === s);
    return { start: Math.min(...mine.map((x) => x.t)), end: Math.max(...mine.map((x) => x.t)) };
  };
  for (const [child, parent] of [['a', 'base'], ['b', 'base'], ['c', 'base'], ['a-child', 'a'], ['c-child', 'c']] as const) {
    t.true(span(child).start >= span(parent).end, `${child} must start after ${parent} ended`);
  }
  // Never more than two subjects between their first start and last end at any instant.
  let maxActive = 0;
  for (const s of steps.filter((x) => x.at === 'start')) {
    const active = ['base', 'a', 'b', 'c', 'a-child', 'c-child'].filter((n) => span(n).start <= s.t && span(n).end >= s.t).length;
    maxActive = Math.max(maxActive, active);
  }
  t.is(maxActive, 2);
});

test('a failed subject skips its descendants with a reason; independent subjects go on; failed and shutdown hooks run', async (t) => {
  const seen: string[] = [];
  const farm = testFarm(t, {
    plugins: [builderPlugin({ fail: 'c/emerge' }), { name: 'watch', apply: (f: import('../../core/farm.ts').Farm) => {
      f.hooks.failed.tap('watch', (e) => void seen.push(`failed:${e.message}`));
      f.hooks.done.tap('watch', () => void seen.push('done'));
      f.hooks.shutdown.tap('watch', () => void seen.push('shutdown'));
    } }],
    subjects: { a: {}, c: {}, d: { parent: 'c' }, e: { parent: 'd' } },
  });
  const reporter = collectingReporter();
  const result = await runFarm(farm, { plan: planOf(farm, ['base', 'a', 'c', 'd', 'e']), reporter, collaborators: offlineCollaborators() });

  t.is(result.status, 'failed');
  t.deepEqual(result.summary.built.sort(), ['a', 'base']);
  t.deepEqual(result.summary.failed, ['c']);
  t.deepEqual(result.summary.skipped.sort(), ['d', 'e']);
  const skips = reporter.events
    .filter((e) => e.event === 'subject:skip')
    .map((e) => (e as { subject: string; reason: string }).subject + ': ' + (e as { reason: string }).reason);
  t.deepEqual(skips.sort(), ['d: parent "c" failed', 'e: parent "d" was not built']);

  const msg = 'plugin "test-builder" failed in hook "emerge" for subject "c": emerge of c broke';
  t.deepEqual(seen, [`failed:${msg}`, 'shutdown']);
  t.is((result.error as Error).message, msg);
  t.is(result.failures.length, 1);
  const f = result.failures[0]!;
  t.is(f.subject, 'c');
  t.is(f.phase, 'emerge');
  t.is(f.error.code, 'E_PLUGIN');
  t.is(f.logFile, join(result.runDir, 'c.log'));
  t.true(f.tail.some((l) => l.includes('emerge output line for c')));
  t.regex(f.tail.at(-1)!, /== phase emerge FAILED after \d+ ms: plugin "test-builder" failed/);
  t.deepEqual(result.builds.get('c')!.phases.map((p) => p.status), ['claimed', 'claimed', 'claimed', 'failed']);
});

test('--fail-fast: nothing new starts after the first failure', async (t) => {
  const farm = testFarm(t, { plugins: [builderPlugin({ fail: 'a/fetchStage3' })], subjects: { a: {}, b: {}, c: {} } });
  const result = await runFarm(farm, { plan: planOf(farm, ['base', 'a', 'b', 'c']), failFast: true, collaborators: offlineCollaborators() });
  t.is(result.status, 'failed');
  t.deepEqual(result.summary.built, ['base']);
  t.deepEqual(result.summary.skipped.sort(), ['b', 'c']);
});

test('aborting the run stops it: the running phase sees the signal, the rest is skipped, cleanup still runs', async (t) => {
  const farm = testFarm(t, { plugins: [builderPlugin({ hang: 'a/emerge' })], subjects: { a: {}, b: { parent: 'a' } } });
  const controller = new AbortController();
  const reporter = collectingReporter();
  const original = reporter.emit;
  reporter.emit = (e) => {
    original(e);
    if (e.event === 'phase:start' && e.subject === 'a' && e.phase === 'emerge') setTimeout(() => controller.abort(), 20);
  };
  let cleaned = 0;
  const engine = { cleanup: async () => void cleaned++ } as unknown as Engine;
  const shutdown: string[] = [];
  farm.hooks.shutdown.tap('t', () => void shutdown.push('shutdown'));
  farm.hooks.beforeRun.tapPromise('t', async (run) => void (await run.engine())); // make the engine exist
  const result = await runFarm(farm, {
    plan: planOf(farm, ['base', 'a', 'b']),
    signal: controller.signal,
    reporter,
    collaborators: { ...offlineCollaborators(), engine: async () => engine },
  });
  t.is(result.status, 'interrupted');
  t.deepEqual(result.summary.failed, ['a']);
  t.deepEqual(result.summary.skipped, ['b']);
  t.is(result.failures[0]?.error.code, 'E_INTERRUPTED');
  t.deepEqual(shutdown, ['shutdown']);
  t.is(cleaned, 1, 'the engine is cleaned up once');
});

test('the engine is created on first use only, and cleaned up after a failure too', async (t) => {
  let created = 0;
  let cleaned = 0;
  const engine = { cleanup: async () => void cleaned++ } as unknown as Engine;
  const collaborators = { ...offlineCollaborators(), engine: async () => (created++, engine) };

  const quiet = testFarm(t, { plugins: [builderPlugin()] });
  await runFarm(quiet, { plan: planOf(quiet, ['base']), collaborators });
  t.deepEqual([created, cleaned], [0, 0]);

  const user = {
    name: 'needs-engine',
    apply(f: import('../../core/farm.ts').Farm) {
      f.hooks.emerge.tapPromise({ name: 'needs-engine', stage: -1 }, async (b) => {
        const e1 = await b.run.engine();
        const e2 = await b.run.engine();
        if (e1 !== e2) throw new Error('two engines');
        throw new Error('emerge exploded');
      });
    },
  };
  const farm = testFarm(t, { plugins: [builderPlugin(), user] });
  const r = await runFarm(farm, { plan: planOf(farm, ['base']), collaborators });
  t.is(r.status, 'failed');
  t.deepEqual([created, cleaned], [1, 1]);
});

test('an up-to-date parent hands its image to the child build', async (t) => {
  const farm = testFarm(t, { plugins: [builderPlugin()], subjects: { tools: {} } });
  const reporter = collectingReporter();
  const result = await runFarm(farm, {
    plan: planOf(farm, ['base', 'tools'], { base: { ref: 'binfarm/base:0123456789ab', id: 'sha256:abc' } }),
    reporter,
    collaborators: offlineCollaborators(),
  });
  t.is(result.status, 'done');
  t.deepEqual(result.summary, { built: ['tools'], skipped: ['base'], failed: [] });
  t.deepEqual(result.builds.get('tools')!.parent?.image, { ref: 'binfarm/base:0123456789ab', id: 'sha256:abc' });
  t.true(reporter.events.some((e) => e.event === 'subject:skip' && e.subject === 'base' && /up to date \(key key-of-base\)/.test(e.reason)));
  t.false(existsSync(join(result.runDir, 'base.log')), 'a skipped subject gets no build log');
});

test('infrastructure logging goes through the hook: a tap may swallow lines; the rest reach run.log', async (t) => {
  const farm = testFarm(t, { plugins: [builderPlugin()] });
  const captured: string[] = [];
  farm.hooks.infrastructureLog.tap('capture', (origin, type, args) => {
    captured.push(`${type}:${origin}:${String(args[0])}`);
    return String(args[0]).startsWith('emerge') ? true : undefined;
  });
  const result = await runFarm(farm, { plan: planOf(farm, ['base']), collaborators: offlineCollaborators() });
  t.true(captured.includes('info:base:fetchStage3 says hello'));
  t.true(captured.includes('info:base:emerge says hello'));
  const runLog = readFileSync(join(result.runDir, 'run.log'), 'utf8');
  t.true(runLog.includes('fetchStage3 says hello'));
  t.false(runLog.includes('emerge says hello'), 'swallowed by the tap');
});

test('phases nobody handles are recorded as skipped, not as done', async (t) => {
  const farm = testFarm(t, { plugins: [] });
  const result = await runFarm(farm, { plan: planOf(farm, ['base']), collaborators: { ...offlineCollaborators(), rekey: async () => undefined } });
  t.is(result.status, 'done');
  t.deepEqual(
    result.builds.get('base')!.phases.map((p) => `${p.phase}:${p.status}:${p.note}`),
    PHASES.map((p) => `${p}:skipped:no plugin handles this phase`),
  );
});

test("a built-in phase's note does not claim the phase: a user's later-stage tap still runs after it", async (t) => {
  const order: string[] = [];
  const builtinLike = {
    name: 'binfarm:emerge-like',
    apply(farm: import('../../core/farm.ts').Farm) {
      farm.hooks.emerge.tapPromise('binfarm:emerge', async () => {
        order.push('builtin');
        return 'built 3, reused 1 binary package';
      });
    },
  };
  const after = {
    name: 'after-emerge',
    apply(farm: import('../../core/farm.ts').Farm) {
      farm.hooks.emerge.tapPromise({ name: 'after-emerge', stage: 10 }, async (b) => {
        order.push(`after:${b.subject.name}`);
      });
    },
  };
  // applied by core, like the built-ins (a user plugin cannot take the "binfarm:" prefix)
  const farm = testFarm(t, { plugins: [after], subjects: {} });
  farm.apply(builtinLike);
  const result = await runFarm(farm, { plan: planOf(farm, ['base']), collaborators: offlineCollaborators([]) });
  t.is(result.status, 'done');
  t.deepEqual(order, ['builtin', 'after:base']);
  const emerge = result.builds.get('base')!.phases.find((p) => p.phase === 'emerge')!;
  t.deepEqual([emerge.status, emerge.note, emerge.by], ['done', 'built 3, reused 1 binary package', undefined]);
});
