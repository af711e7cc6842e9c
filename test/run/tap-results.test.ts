import test from 'ava';
import { argvProblem, claimProblem, guardTapResults } from '../../core/run/tap-results.ts';
import { createFarm } from '../../core/farm.ts';
import { ConfigSchema } from '../../core/config/schema/index.ts';

test('phase claims and emergeArgs results: what is accepted, what is named', (t) => {
  for (const ok of [undefined, true, 'note', { skipped: 'why' }]) t.is(claimProblem(ok), undefined);
  t.regex(claimProblem(42)!, /^number 42; a phase tap returns undefined/);
  t.regex(claimProblem({ skipped: 1 })!, /^an object/);
  t.is(argvProblem(['emerge', '@x']), undefined);
  t.regex(argvProblem('emerge @x')!, /^string "emerge @x"; an emergeArgs tap returns the argv/);
  t.regex(argvProblem(['emerge', 3])!, /item 1 is number 3/);
});

test('a tap that returns garbage is blamed on its plugin, not on a built-in', async (t) => {
  const farm = createFarm({ options: ConfigSchema.parse({}), rootDir: '/tmp', builtins: false });
  farm.hooks.emergeArgs.tap('argv-mangler', (argv) => argv.join(' ') as unknown as string[]);
  farm.hooks.emerge.tapPromise('lazy-claimer', async () => 42 as unknown as string);
  guardTapResults(farm);
  const build = { subject: { name: 'science' } } as never;
  const e1 = t.throws(() => farm.hooks.emergeArgs.call(['emerge', '@s'], build));
  t.regex(e1!.message, /^plugin "argv-mangler" failed in hook "emergeArgs" for subject "science": it returned string "emerge @s"/);
  const e2 = await t.throwsAsync(farm.hooks.emerge.promise(build));
  t.regex(e2!.message, /^plugin "lazy-claimer" failed in hook "emerge" for subject "science": it returned number 42/);
});
