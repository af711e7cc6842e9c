import test from 'ava';
import { BinfarmError, PluginError } from '../../core/errors.ts';
import { errorReport as errorInfo } from '../../core/error-report.ts';

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
  t.deepEqual(info, { code: 'E_INTERNAL', message: 'boom', exitCode: 1 });
});

test('one report for run events, assemble steps and the --json line: the first hint along the cause chain, the exit code', async (t) => {
  const { errorJson } = await import('../../core/cli/report-error.ts');
  const e = new PluginError('mine', 'emerge', 'base', new Error('inner', { cause: new BinfarmError('E_EMERGE', 'x', { hint: 'read the log' }) }));
  const report = errorInfo(e);
  t.is(report.hint, 'read the log');
  t.is(report.exitCode, 1);
  t.deepEqual(errorJson(e), { event: 'error', ...report });
});
