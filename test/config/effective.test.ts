import test from 'ava';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { effectiveLeaves, formatEffective, maskedOptions, maskUrlCredentials, MASK } from '../../core/config/effective.ts';
import { parseEnvOverrides, parseSetFlag } from '../../core/config/overrides.ts';
import { levenshtein, nearest } from '../../core/config/suggest.ts';

const file = {
  name: 'farm',
  registry: { url: '127.0.0.1:5000/hep', username: 'ci', password: 'hunter2' },
  portage: { binhost: ['https://bob:s3cret@binhost.example.org/amd64'], makeConf: { GITHUB_TOKEN: 'abc' } },
  plugins: [{ name: 'hep', version: '1.2.0', apply() {} }],
};

test('secrets are masked: password/token/secret/auth keys, and credentials inside URLs', (t) => {
  const options = ConfigSchema.parse(file);
  const leaves = effectiveLeaves(options, file, [], ConfigSchema);
  const by = (p: string) => leaves.find((l) => l.path.join('.') === p)!;
  t.is(by('registry.password').value, MASK);
  t.true(by('registry.password').masked);
  t.is(by('registry.username').value, 'ci');
  t.is(by('portage.makeConf.GITHUB_TOKEN').value, MASK);
  t.deepEqual(by('portage.binhost').value, [`https://bob:${MASK}@binhost.example.org/amd64`]);
  t.deepEqual(by('plugins').value, ['hep@1.2.0']);
  const text = formatEffective(leaves);
  t.false(text.includes('hunter2'));
  t.false(text.includes('s3cret'));
  t.false(JSON.stringify(maskedOptions(options)).includes('hunter2'));
  t.is(maskUrlCredentials('rsync://host/path'), 'rsync://host/path');
});

test('the text form nests keys, lists unset optional keys as ~, and ends each value with its source', (t) => {
  const env = parseEnvOverrides({ BINFARM_PORTAGE__MAKEOPTS: '-j8' }, ConfigSchema);
  const cli = [parseSetFlag('run.jobs=6', ConfigSchema)];
  const raw = { ...file, portage: { ...file.portage, makeopts: '-j8' }, run: { jobs: 6 } };
  const leaves = effectiveLeaves(ConfigSchema.parse(raw), file, [...env, ...cli], ConfigSchema);
  const text = formatEffective(leaves);
  t.regex(text, /^name: farm +# file$/m);
  t.regex(text, /^portage:$/m);
  t.regex(text, /^  makeopts: -j8 +# env BINFARM_PORTAGE__MAKEOPTS$/m);
  t.regex(text, /^  jobs: 6 +# --set run\.jobs$/m);
  t.regex(text, /^  loadAverage: ~ +# default$/m);
  t.regex(text, /^cacheDir: ~ +# default$/m);
  t.regex(text, /^  acceptLicense: \["-\*", "@FREE", "@BINARY-REDISTRIBUTABLE"\] +# default$/m);
});

test('nearest key: edit distance, case-insensitive, nothing when too far', (t) => {
  t.is(levenshtein('kitten', 'sitting'), 3);
  t.is(levenshtein('', 'abc'), 3);
  t.is(nearest('concurency', ['concurrency', 'jobs']), 'concurrency');
  t.is(nearest('makeOpts', ['makeopts', 'makeConf']), 'makeopts');
  t.is(nearest('stateDr', ['stateDir', 'stage3']), 'stateDir');
  t.is(nearest('stage', ['stateDir', 'stage3']), 'stage3'); // a prefix counts as one edit
  t.is(nearest('zzzzzz', ['name', 'run']), undefined);
});
