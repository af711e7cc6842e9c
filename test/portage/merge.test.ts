import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  evaluateMakeConf,
  incrementalTokens,
  inheritedNames,
  isIncremental,
  mergeIntoExisting,
  parseMakeConf,
  resolveMakeConf,
  stackAll,
  stackTokens,
} from '../../core/portage/makeconf/index.ts';
import { MERGE_MARKER } from '../../core/portage/makeconf/merge-existing.ts';
import type { BinfarmError } from '../../core/errors.ts';
import type { MakeConfContribution } from '../../core/portage/model.ts';

const stage3 = readFileSync(fileURLToPath(new URL('../fixtures/portage/stage3-make.conf', import.meta.url)), 'utf8');
const render = (c: MakeConfContribution[]) => resolveMakeConf(c).map((s) => s.lines.join('')).join('');
const vars = (text: string) => Object.fromEntries(evaluateMakeConf(parseMakeConf(text, 'x'), { inherited: inheritedNames() }).vars);

test('which variables are incremental', (t) => {
  for (const v of [
    'USE',
    'FEATURES',
    'ACCEPT_KEYWORDS',
    'ACCEPT_LICENSE',
    'CONFIG_PROTECT',
    'CONFIG_PROTECT_MASK',
    'PYTHON_TARGETS',
    'CPU_FLAGS_X86',
    'VIDEO_CARDS',
  ])
    t.true(isIncremental(v), v);
  for (const v of ['CFLAGS', 'MAKEOPTS', 'PKGDIR', 'CHOST', 'EMERGE_DEFAULT_OPTS']) t.false(isIncremental(v), v);
});

test('stacking: tokens accumulate, -token removes, -* clears', (t) => {
  t.deepEqual(stackTokens(['a', 'b'], ['c']), ['a', 'b', 'c']);
  t.deepEqual(stackTokens(['a', 'b'], ['-a']), ['b', '-a'], 'a negation stays: it also removes the token from lower layers');
  t.deepEqual(stackTokens(['-a'], ['a']), ['a']);
  t.deepEqual(stackTokens(['a', '-b'], ['-*', 'c']), ['-*', 'c']);
  t.deepEqual(stackAll([['-*', '@FREE'], ['@BINARY-REDISTRIBUTABLE'], ['-@FREE']]), ['-*', '@BINARY-REDISTRIBUTABLE', '-@FREE']);
  t.deepEqual(stackTokens(['a'], ['a', 'a']), ['a'], 'each name at most once');
  t.deepEqual(incrementalTokens('${USE} a $USE  b', 'USE'), ['a', 'b'], 'self references are implicit');
});

test('contributions: incremental variables extend what came before, in contributor order', (t) => {
  const text = render([
    { contributor: '51-hep-core', vars: { USE: '-gtk qt6' }, precedence: 2 },
    { contributor: '00-binfarm', vars: { USE: 'X gtk', ACCEPT_LICENSE: '-* @FREE' } },
    { contributor: '50-base', vars: { USE: '-X', ACCEPT_LICENSE: 'geant4' }, precedence: 1 },
  ]);
  t.is(
    text,
    'USE="${USE} X gtk"\nACCEPT_LICENSE="-* @FREE"\nUSE="${USE} -X"\nACCEPT_LICENSE="${ACCEPT_LICENSE} geant4"\nUSE="${USE} -gtk qt6"\n',
  );
  const v = vars(text);
  t.deepEqual(stackTokens([], incrementalTokens(v.USE!, 'USE')), ['X', 'gtk', '-X', '-gtk', 'qt6'].reduce<string[]>((a, x) => stackTokens(a, [x]), []));
  t.is(v.ACCEPT_LICENSE, '-* @FREE geant4');
});

test('contributions: equal precedence and different values is a conflict naming both', (t) => {
  const e = t.throws(() =>
    render([
      { contributor: '60-plugin-a', vars: { MAKEOPTS: '-j4' } },
      { contributor: '60-plugin-b', vars: { MAKEOPTS: '-j8' } },
    ]),
  ) as BinfarmError;
  t.is(e.code, 'E_PORTAGE_CONFLICT');
  t.regex(e.message, /MAKEOPTS is set differently by "60-plugin-a" \("-j4"\) and "60-plugin-b" \("-j8"\)/);
  t.regex(e.hint ?? '', /precedence/);
  t.notThrows(() => render([{ contributor: 'a', vars: { X: '1' } }, { contributor: 'b', vars: { X: '1' } }]), 'equal values do not conflict');
});

test('contributions: the higher precedence wins whatever the file order', (t) => {
  const early = render([
    { contributor: '00-binfarm', vars: { MAKEOPTS: '-j4' } },
    { contributor: '51-hep-core', vars: { MAKEOPTS: '-j2' }, precedence: 2 },
  ]);
  t.is(vars(early).MAKEOPTS, '-j2');
  // a later file with LOWER precedence must not override
  const late = resolveMakeConf([
    { contributor: '10-strong', vars: { MAKEOPTS: '-j16' }, precedence: 5 },
    { contributor: '90-weak', vars: { MAKEOPTS: '-j1' }, precedence: 0 },
  ]);
  t.deepEqual(late[1]!.lines, ['# MAKEOPTS is set by 10-strong (higher precedence)\n']);
  t.is(vars(late.map((s) => s.lines.join('')).join('')).MAKEOPTS, '-j16');
});

test('contributions: a value referencing an overridden variable is repeated after it', (t) => {
  const sections = resolveMakeConf([
    { contributor: '00-binfarm', vars: { COMMON_FLAGS: '-O2 -pipe', CFLAGS: '${COMMON_FLAGS}', CXXFLAGS: '${COMMON_FLAGS}' } },
    { contributor: '51-hep-core', vars: { COMMON_FLAGS: '-O3' }, precedence: 2 },
  ]);
  const text = sections.map((s) => s.lines.join('')).join('');
  t.like(vars(text), { CFLAGS: '-O3', CXXFLAGS: '-O3' });
  t.deepEqual(sections[1]!.lines, [
    'COMMON_FLAGS="-O3"\n',
    '# CFLAGS again, because COMMON_FLAGS changed after it was set\nCFLAGS="${COMMON_FLAGS}"\n',
    '# CXXFLAGS again, because COMMON_FLAGS changed after it was set\nCXXFLAGS="${COMMON_FLAGS}"\n',
  ]);
});

test('merge into the stage3 make.conf: in place, comments kept, incremental stacked', (t) => {
  const rendered = render([
    {
      contributor: '00-binfarm',
      vars: {
        COMMON_FLAGS: '-O2 -pipe -march=x86-64',
        CFLAGS: '${COMMON_FLAGS}',
        CXXFLAGS: '${COMMON_FLAGS}',
        FCFLAGS: '${COMMON_FLAGS}',
        FFLAGS: '${COMMON_FLAGS}',
        USE: '-bindist zstd',
        FEATURES: '-sandbox buildpkg',
        MAKEOPTS: '-j4',
        LC_MESSAGES: 'C.UTF-8',
      },
    },
  ]);
  const r = mergeIntoExisting(stage3, rendered, '/etc/portage/make.conf');
  t.is(r.mode, 'in-place');
  t.true(r.text.startsWith('# These settings were set by the catalyst build script'), 'comments kept');
  t.true(r.text.includes('COMMON_FLAGS="-O2 -pipe -march=x86-64"\nCFLAGS="${COMMON_FLAGS}"'), 'replaced where it stands');
  t.true(
    r.text.includes('# NOTE: This stage was built with the bindist USE flag enabled\nUSE="-bindist zstd"\n'),
    'USE tokens stacked: bindist removed, zstd added',
  );
  t.true(r.text.includes(`${MERGE_MARKER}\nFEATURES="\${FEATURES} -sandbox buildpkg"\nMAKEOPTS="-j4"\n`), 'new variables appended under the marker');
  t.is(r.text.match(/LC_MESSAGES/g)?.length, 1, 'an equal value is left alone');
  t.true(r.log.some((l) => l.startsWith('USE: "bindist" → "-bindist zstd"')), r.log.join('\n'));
  const v = vars(r.text);
  t.like(v, { CFLAGS: '-O2 -pipe -march=x86-64', FFLAGS: '-O2 -pipe -march=x86-64', CHOST: 'x86_64-pc-linux-gnu', MAKEOPTS: '-j4' });
  // idempotent
  const again = mergeIntoExisting(r.text, rendered);
  t.is(again.mode, 'unchanged');
  t.is(again.text, r.text);
});

test('merge: negation and -* against the image file', (t) => {
  const image = 'ACCEPT_LICENSE="@FREE"\nFEATURES="${FEATURES} sandbox parallel-fetch"\n';
  const r = mergeIntoExisting(image, 'ACCEPT_LICENSE="-* @FREE @BINARY-REDISTRIBUTABLE"\nFEATURES="${FEATURES} -sandbox"\n');
  t.is(r.mode, 'in-place');
  t.is(r.text, 'ACCEPT_LICENSE="-* @FREE @BINARY-REDISTRIBUTABLE"\nFEATURES="${FEATURES} parallel-fetch -sandbox"\n');
});

test('merge: falls back to appending when an in-place edit would change another variable', (t) => {
  // FCFLAGS uses COMMON_FLAGS, binfarm changes COMMON_FLAGS but does not set FCFLAGS:
  // editing COMMON_FLAGS in place would change FCFLAGS, appending does not.
  const rendered = 'COMMON_FLAGS="-O3"\nCFLAGS="${COMMON_FLAGS}"\n';
  const r = mergeIntoExisting(stage3, rendered);
  t.is(r.mode, 'append');
  t.true(r.text.startsWith(stage3));
  t.true(r.text.endsWith(`\n${MERGE_MARKER}\n${rendered}`));
  t.like(vars(r.text), { CFLAGS: '-O3', FCFLAGS: '-O2 -pipe' });
  t.regex(r.log[0]!, /would change CXXFLAGS/);
});

test('merge: a variable whose new value references a later one is set again at the end', (t) => {
  const r = mergeIntoExisting('CFLAGS="-O1"\n', 'BASE="-O2"\nCFLAGS="${BASE} -g"\n');
  t.is(r.mode, 'in-place');
  t.is(vars(r.text).CFLAGS, '-O2 -g');
  t.true(r.log.some((l) => l.includes('set again at the end')));
});

test('merge into an empty or missing file', (t) => {
  const r = mergeIntoExisting('', 'A="1"\n');
  t.is(r.text, `${MERGE_MARKER}\nA="1"\n`);
});

test('contributions: invalid variable names and values are named with their contributor', (t) => {
  t.throws(() => render([{ contributor: '51-lab', vars: { 'MY-FLAGS': '-O2' } }]), {
    code: 'E_MAKECONF',
    message: /variable name "MY-FLAGS" \(from 51-lab\)/,
  } as never);
  t.throws(() => render([{ contributor: '51-lab', vars: { X: 3 as unknown as string } }]), { message: /X \(from 51-lab\) must be a string/ } as never);
  t.throws(() => render([{ contributor: '51-lab', vars: { X: 'a "b' } }]), { code: 'E_MAKECONF', message: /not valid inside double quotes/ } as never);
});
