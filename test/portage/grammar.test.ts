import test from 'ava';
import {
  atomKey,
  formatAtom,
  parseAtom,
  patchTarget,
  validateKeywordToken,
  validateLicenseToken,
  validateSetName,
  validateUseFlag,
  validateUseToken,
  validateFeatureToken,
} from '../../core/portage/grammar/index.ts';
import type { BinfarmError } from '../../core/errors.ts';

const VALID: Array<[string, Partial<ReturnType<typeof parseAtom>>]> = [
  ['dev-libs/boost', { category: 'dev-libs', pn: 'boost' }],
  ['=sci-physics/geant-4.10.6_p2', { op: '=', pn: 'geant', version: '4.10.6_p2' }],
  ['<sci-physics/root-9999', { op: '<', version: '9999' }],
  ['<=dev-lang/python-3.13.1_rc2-r1', { op: '<=', version: '3.13.1_rc2-r1' }],
  ['>dev-libs/foo-1.2a', { op: '>', version: '1.2a' }],
  ['>=dev-python/QtPy-1.9.0-r2', { op: '>=', pn: 'QtPy', version: '1.9.0-r2' }],
  ['~dev-libs/foo-1.0_alpha3_beta_pre1_p', { op: '~', version: '1.0_alpha3_beta_pre1_p' }],
  ['=dev-libs/foo-1.2*', { op: '=', version: '1.2', glob: true }],
  ['sci-physics/geant-data', { pn: 'geant-data' }],
  ['dev-lang/swig:0', { slot: '0' }],
  ['dev-qt/qtbase:6/6.8', { slot: '6', subslot: '6.8' }],
  ['dev-libs/foo::gentoo', { repo: 'gentoo' }],
  ['x11-libs/gtk+:3::gentoo[X]', { pn: 'gtk+', slot: '3', repo: 'gentoo' }],
  ['dev-db/mysql++', { pn: 'mysql++' }],
];

for (const [text, expected] of VALID) {
  test(`atom ${text} parses`, (t) => {
    const a = parseAtom(text);
    t.like(a, expected);
    t.is(formatAtom(a), text, 'formatting gives the text back');
  });
}

test('USE dependencies of every form', (t) => {
  const a = parseAtom('dev-libs/foo[a,-b,c?,!d?,e=,!f=,g(+),h(-)?]');
  t.deepEqual(a.useDeps, [
    { flag: 'a' },
    { flag: 'b', prefix: '-' },
    { flag: 'c', suffix: '?' },
    { flag: 'd', prefix: '!', suffix: '?' },
    { flag: 'e', suffix: '=' },
    { flag: 'f', prefix: '!', suffix: '=' },
    { flag: 'g', default: '+' },
    { flag: 'h', default: '-', suffix: '?' },
  ]);
});

test('dependency context accepts blockers and slot operators', (t) => {
  t.like(parseAtom('!!>=dev-libs/foo-1:=', { context: 'dep' }), { blocker: '!!', op: '>=', slotOp: '=' });
  t.like(parseAtom('!dev-libs/foo', { context: 'dep' }), { blocker: '!' });
  t.like(parseAtom('dev-libs/foo:*', { context: 'dep' }), { slotOp: '*' });
  t.like(parseAtom('dev-libs/foo:2=', { context: 'dep' }), { slot: '2', slotOp: '=' });
});

test('wildcards only when allowed', (t) => {
  t.like(parseAtom('*/*', { allowWildcard: true }), { category: '*', pn: '*' });
  t.like(parseAtom('dev-python/*', { allowWildcard: true }), { category: 'dev-python', pn: '*' });
  t.throws(() => parseAtom('*/*'), { code: 'E_ATOM' } as never);
});

/** Each invalid class: the error quotes the atom, gives the column and says what was expected. */
const INVALID: Array<[text: string, column: number, expected: RegExp, hint?: RegExp]> = [
  ['', 1, /a package atom/],
  ['dev-libs', 9, /"\/" between category and package/],
  ['dev-libs/', 10, /a package name after "\/"/],
  ['sci-physics/geant-4.10.6_p2', 19, /without a version/, /=sci-physics\/geant-4\.10\.6_p2/],
  ['>=dev-libs/foo', 15, /a version after the package name because of the ">=" operator/],
  ['>=dev-libs/foo-1.x', 16, /a version/],
  ['>dev-libs/foo-1*', 16, /only valid with "="/],
  ['~dev-libs/foo-1-r1', 16, /without revision/],
  ['dev-libs/foo:=', 14, /slot name without an operator/, /only valid in ebuild dependencies/],
  ['dev-libs/foo:*', 14, /slot name without an operator/],
  ['dev-libs/foo:', 14, /a slot name/],
  ['dev-libs/foo:1/2/3', 17, /at most one "\/"/],
  ['!dev-libs/foo', 1, /without a blocker/, /only valid in dependency strings/],
  ['!!dev-libs/foo', 1, /without a blocker/],
  ['dev-libs/foo[!a]', 16, /"\?" or "=" after "!flag"/],
  ['dev-libs/foo[-a?]', 16, /no "\?" or "=" after "-flag"/],
  ['dev-libs/foo[a', 15, /closing "\]"/],
  ['dev-libs/foo[]', 14, /at least one USE flag/],
  ['dev-libs/foo[a,b$]', 17, /a USE dependency/],
  ['dev-libs/foo::gentoo:1', 21, /slot \(":slot"\) before the repository/],
  ['dev-libs/foo::', 15, /a repository name/],
  ['dev-libs/fo$o', 12, /a package name/],
  ['dev$libs/foo', 4, /a category name/],
  ['dev-libs/foo bar', 13, /no whitespace/],
  ['dev-libs/foo[a]x', 16, /the end of the atom/],
];

for (const [text, column, expected, hint] of INVALID) {
  test(`invalid atom ${JSON.stringify(text)}`, (t) => {
    const e = t.throws(() => parseAtom(text)) as BinfarmError;
    t.is(e.code, 'E_ATOM');
    t.true(e.message.includes(`"${text}"`), `quotes the text: ${e.message}`);
    t.is(e.details?.column, column, e.message);
    t.regex(e.message, new RegExp(`at column ${column}: expected`));
    t.regex(e.message, expected);
    if (hint) t.regex(e.hint ?? '', hint);
  });
}

test('atomKey and patchTarget', (t) => {
  t.is(atomKey('>=dev-libs/foo-1.2:3::gentoo[x]'), 'dev-libs/foo');
  t.is(atomKey(parseAtom('=sci-physics/geant-4.11.3')), 'sci-physics/geant');
  t.is(atomKey('*/*'), '*/*');
  t.is(patchTarget(parseAtom('=sci-physics/geant-4.11.3-r1')), 'sci-physics/geant-4.11.3-r1');
  t.is(patchTarget(parseAtom('>=sci-physics/geant-4.11.3')), 'sci-physics/geant');
  t.is(patchTarget(parseAtom('=dev-libs/foo-1*')), 'dev-libs/foo');
});

test('USE flags and package.use tokens', (t) => {
  for (const ok of ['X', 'qt6', 'c++14', 'python_targets_python3_13', 'a@b', '3dnow']) t.is(validateUseFlag(ok), ok);
  for (const ok of ['-X', '-*', 'PYTHON_TARGETS:', 'VIDEO_CARDS:']) t.is(validateUseToken(ok), ok);
  t.throws(() => validateUseToken('PYTHON_TARGETS:', false), { code: 'E_GRAMMAR' } as never);
  const e = t.throws(() => validateUseFlag('-bad')) as BinfarmError;
  t.regex(e.message, /invalid USE flag "-bad" at column 1: expected a USE flag name/);
  const e2 = t.throws(() => validateUseToken('qt5 svg')) as BinfarmError;
  t.is(e2.details?.column, 4);
  t.regex(e2.hint ?? '', /one flag per list item/);
  t.throws(() => validateUseToken('--x'), { message: /column 2/ } as never);
  t.throws(() => validateUseFlag('_x'), { code: 'E_GRAMMAR' } as never);
});

test('licences', (t) => {
  for (const ok of ['geant4', 'MSttfEULA', 'GPL-2+', 'freedist', '@FREE', '-@EULA', '-*', '*', 'LGPL-2.1']) t.is(validateLicenseToken(ok), ok);
  const e = t.throws(() => validateLicenseToken('GPL 2')) as BinfarmError;
  t.regex(e.message, /invalid licence "GPL 2" at column 4: expected a licence name/);
  t.throws(() => validateLicenseToken('@'), { message: /column 2/ } as never);
});

test('keywords', (t) => {
  for (const ok of ['amd64', '~amd64', '**', '*', '~*', '-*', '-amd64', '-~amd64', 'arm64']) t.is(validateKeywordToken(ok), ok);
  for (const bad of ['~', '~~amd64', 'amd64!', '***', '']) {
    const e = t.throws(() => validateKeywordToken(bad)) as BinfarmError;
    t.is(e.code, 'E_GRAMMAR');
    t.regex(e.message, /expected an arch keyword such as "amd64" or "~amd64"/);
  }
});

test('set names and FEATURES', (t) => {
  t.is(validateSetName('@hf-sci-soft'), 'hf-sci-soft');
  t.is(validateSetName('hf_base.2'), 'hf_base.2');
  t.throws(() => validateSetName('hf/sci'), { message: /invalid set name "hf\/sci" at column 3/ } as never);
  t.throws(() => validateSetName('-x'), { code: 'E_GRAMMAR' } as never);
  t.is(validateFeatureToken('-ipc-sandbox'), '-ipc-sandbox');
  t.throws(() => validateFeatureToken('Buildpkg'), { message: /FEATURES token/ } as never);
});
