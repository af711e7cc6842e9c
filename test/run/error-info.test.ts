import test from 'ava';
import { BinfarmError, PluginError } from '../../core/errors.ts';
import { errorInfo } from '../../core/run/subject-build.ts';

test('errorInfo of a tap error keeps the real reason: causeCode and the plugin that threw', (t) => {
  const inner = new BinfarmError('E_SMOKE', 'smoke test "root" failed', { hint: 'see the log' });
  const info = errorInfo(new PluginError('binfarm:package', 'package', 'hep-root', inner));
  t.is(info.code, 'E_PLUGIN');
  t.is(info.causeCode, 'E_SMOKE');
  t.is(info.plugin, 'binfarm:package');
  t.is(info.hint, 'see the log');
  t.regex(info.message, /^package failed for subject "hep-root": smoke test "root" failed/);
});

test('errorInfo of a plain error has no cause code', (t) => {
  const info = errorInfo(new Error('boom'));
  t.deepEqual(info, { code: 'E_INTERNAL', message: 'boom' });
});
