/**
 * The plugin contract's rules: the `binfarm:` prefix is reserved for built-ins and built-in taps
 * are known by who registered them, not by their name; a farm logger's lines belong to the run
 * they were logged in, even with two runs on one farm at once.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { createFarm } from '../../core/farm.ts';
import { normalizePlugins } from '../../core/plugin.ts';
import { runFarm } from '../../core/run/runner.ts';
import { STAGE_AFTER_BUILTIN, STAGE_BEFORE_BUILTIN, STAGE_BUILTIN, STAGE_FIRST, STAGE_LAST, type FarmContext, type Plugin } from '../../core/types.ts';
import { offlineCollaborators, planOf, testFarm } from '../run/_farm.ts';

test('a user plugin named with the reserved "binfarm:" prefix is refused, naming it', (t) => {
  const squatter: Plugin = { name: 'binfarm:emerge', apply() {} };
  const e = t.throws(() => normalizePlugins([{ name: 'ok', apply() {} }, squatter]));
  t.is((e as { code?: string }).code, 'E_PLUGIN_INVALID');
  t.regex(e!.message, /the plugin "binfarm:emerge" uses the prefix "binfarm:", which is reserved for binfarm's built-in plugins/);
  t.regex((e as { hint?: string }).hint ?? '', /Rename the plugin \(e\.g\. "emerge"\)/);
  // the same through a config's plugins
  const viaConfig = t.throws(() => createFarm({ options: ConfigSchema.parse({ plugins: [squatter] }), rootDir: '/nonexistent', builtins: false }));
  t.regex(viaConfig!.message, /"binfarm:emerge" uses the prefix "binfarm:"/);
});

test('the named stages order the taps of one hook, whatever the order they were registered in', (t) => {
  const farm = createFarm({ options: ConfigSchema.parse({}), rootDir: '/nonexistent', builtins: false });
  const ran: string[] = [];
  const stages = { last: STAGE_LAST, builtin: STAGE_BUILTIN, first: STAGE_FIRST, after: STAGE_AFTER_BUILTIN, before: STAGE_BEFORE_BUILTIN };
  for (const [name, stage] of Object.entries(stages)) farm.hooks.afterPlugins.tap({ name, stage }, () => void ran.push(name));
  farm.hooks.afterPlugins.call(farm);
  t.deepEqual(ran, ['first', 'before', 'builtin', 'after', 'last']);
});

test("a user tap named like a built-in is still the user's: its value claims the phase and later taps do not run", async (t) => {
  const ran: string[] = [];
  const mimic: Plugin = {
    name: 'mimic',
    apply(farm) {
      farm.hooks.emerge.tapPromise('binfarm:emerge', async () => {
        ran.push('mimic');
        return 'pretends to be built-in';
      });
      farm.hooks.emerge.tapPromise({ name: 'later', stage: 10 }, async () => void ran.push('later'));
    },
  };
  const farm = testFarm(t, { plugins: [mimic] });
  const result = await runFarm(farm, { plan: planOf(farm, ['base']), collaborators: { ...offlineCollaborators(), rekey: async () => undefined } });
  t.is(result.status, 'done');
  t.deepEqual(ran, ['mimic']);
  const emerge = result.builds.get('base')!.phases.find((p) => p.phase === 'emerge')!;
  t.deepEqual([emerge.status, emerge.by, emerge.note], ['claimed', 'binfarm:emerge', 'pretends to be built-in']);
});

test('two runs on one farm at once: each run.log holds the farm-logger lines of its own run only', async (t) => {
  // A plugin logging through a farm logger taken at apply time (not the build's logger): the line
  // reaches the sink of the run that called the tap.
  let release!: () => void;
  const bothStarted = new Promise<void>((r) => (release = r));
  let started = 0;
  const chatty: Plugin = {
    name: 'chatty',
    apply(farm: FarmContext) {
      const log = farm.getLogger('chatty');
      farm.hooks.emerge.tapPromise('chatty', async (b) => {
        log.info(`before the other run, in ${b.run.runId}`);
        if (++started === 2) release();
        await bothStarted; // the two runs are interleaved from here
        log.info(`after the other run started, in ${b.run.runId}`);
        return 'done';
      });
    },
  };
  const farm = testFarm(t, { plugins: [chatty] });
  const go = (runId: string) =>
    runFarm(farm, { runId, plan: planOf(farm, ['base']), collaborators: { ...offlineCollaborators(), rekey: async () => undefined } });
  // Ids no temporary path can contain: the run.log names the config file, whose directory is a
  // random mkdtemp name ("binfarm-run-aX3…" once made "run-a" appear in run-b's log).
  const [a, b] = await Promise.all([go('first-of-two'), go('second-of-two')]);
  t.is(a.status, 'done');
  t.is(b.status, 'done');
  for (const [mine, other] of [
    [a, 'second-of-two'],
    [b, 'first-of-two'],
  ] as const) {
    const text = readFileSync(join(mine.runDir, 'run.log'), 'utf8');
    t.regex(text, new RegExp(`\\[chatty\\] before the other run, in ${mine.runId}`));
    t.regex(text, new RegExp(`\\[chatty\\] after the other run started, in ${mine.runId}`));
    t.false(text.includes(other), `${mine.runId}'s run.log has no line of ${other}`);
  }
});
