import test from 'ava';
import { smoke } from '@binfarm/plugin-smoke';
import { parseAtom } from '../../core/portage/grammar/index.ts';
import { farmWith, linesUnder, rendered } from './_farm.ts';

test('the smoke subject: tree pinned to 2.2.1, hello, jq with oniguruma, on base', async (t) => {
  const farm = farmWith({ plugins: [smoke()] });
  const s = farm.subject('smoke');
  t.is(s.parent, 'base');
  t.deepEqual(Object.keys(s.sets.smoke!), ['=app-text/tree-2.2.1', 'app-misc/hello', 'app-misc/jq', 'dev-libs/oniguruma']);
  for (const atom of Object.keys(s.sets.smoke!)) t.notThrows(() => parseAtom(atom));
  const files = await rendered(farm, 'smoke');
  t.deepEqual(linesUnder(files, 'sets'), ['=app-text/tree-2.2.1', 'app-misc/hello', 'app-misc/jq', 'dev-libs/oniguruma']);
  // stable and @FREE: no keywords or licences needed
  t.deepEqual(linesUnder(files, 'package.accept_keywords'), []);
  t.deepEqual(linesUnder(files, 'package.license'), []);
});

test('the nls option flips hello\'s USE, so the rendered config (and the content key) changes', async (t) => {
  const on = linesUnder(await rendered(farmWith({ plugins: [smoke()] }), 'smoke'), 'package.use');
  const off = linesUnder(await rendered(farmWith({ plugins: [smoke({ nls: false })] }), 'smoke'), 'package.use');
  t.true(on.includes('app-misc/hello nls'));
  t.true(off.includes('app-misc/hello -nls'));
});

test('smoke tests run argv without a shell and check stdout', (t) => {
  const tests = Object.fromEntries(farmWith({ plugins: [smoke()] }).subject('smoke').smoke.map((s) => [s.name, s]));
  t.deepEqual(tests.jq!.cmd, ['jq', '-n', '{"a":1}|.a']);
  const jq = tests.jq!.expect as RegExp;
  t.true(jq.test('1\n'));
  t.false(jq.test('10\n'), 'jq must print exactly 1');
  t.deepEqual(tests.tree!.cmd, ['tree', '--version']);
  t.true((tests.tree!.expect as RegExp).test('tree v2.2.1 © 1996 - 2024 by Steve Baker'));
  t.deepEqual(tests.hello!.cmd, ['hello']);
  t.is(tests.hello!.expect, 'Hello, world!');
});

test('bad options and a name clash are named', (t) => {
  t.throws(() => smoke({ nsl: true } as never), { message: /smoke option "nsl" does not exist/ });
  t.throws(() => smoke({ nls: 'yes' } as never), { message: /smoke option "nls" must be true or false/ });
  const e = t.throws(() => farmWith({ plugins: [smoke()], subjects: { smoke: { sets: {} } } }).subjects());
  t.regex(e!.message, /subject "smoke" is defined twice: by config and by the smoke plugin/);
  t.is(farmWith({ plugins: [smoke({ name: 'smoke-test' })] }).subject('smoke-test').parent, 'base');
});
