import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  evaluateMakeConf,
  formatAssignment,
  inheritedNames,
  parseMakeConf,
  quoteLiteral,
  serializeMakeConf,
} from '../../core/portage/makeconf/index.ts';
import type { BinfarmError } from '../../core/errors.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/portage/${name}`, import.meta.url)), 'utf8');
const evalText = (text: string, opts: Parameters<typeof evaluateMakeConf>[1] = {}) =>
  Object.fromEntries(evaluateMakeConf(parseMakeConf(text, 'test.conf'), opts).vars);

test('round trip of the original hep-soft make.conf.common is byte-identical', (t) => {
  const text = fixture('make.conf.common');
  const doc = parseMakeConf(text, 'make.conf.common');
  t.is(serializeMakeConf(doc), text);
  const vars = evalText(text, { inherited: inheritedNames() });
  t.is(vars.FEATURES, '-ipc-sandbox -mount-sandbox -network-sandbox -pid-sandbox -sandbox -usersandbox');
  t.is(vars.MAKEOPTS, '-j4', 'the inline "# TODO" comment is not part of the value');
  t.is(vars.CFLAGS, '-O2 -pipe');
  t.is(vars.DISTDIR, '/var/cache/distfiles');
  t.is(vars.LC_MESSAGES, 'C');
  t.is(vars.PYTHON_TARGETS, 'python2_7 python3_6');
});

test('round trip of a catalyst stage3 make.conf is byte-identical', (t) => {
  const text = fixture('stage3-make.conf');
  t.is(serializeMakeConf(parseMakeConf(text, 'make.conf')), text);
  const vars = evalText(text);
  t.like(vars, { COMMON_FLAGS: '-O2 -pipe', CXXFLAGS: '-O2 -pipe', CHOST: 'x86_64-pc-linux-gnu', USE: 'bindist', LC_MESSAGES: 'C.UTF-8' });
});

test('round trip keeps odd but valid syntax exactly (CRLF, no final newline, continuations, export)', (t) => {
  for (const text of [
    'A="1"\r\nB=2\r\n',
    'A="x"',
    '  # indented comment\n\n\nexport A="a \\\n  b"   # trailing\nB=\'c d\'\n',
    'A = "spaces around"\nB=\n',
    'USE="a\nb\nc"\n',
  ]) {
    t.is(serializeMakeConf(parseMakeConf(text)), text, JSON.stringify(text));
  }
});

test('expansion: double quotes and plain words expand, single quotes do not', (t) => {
  const v = evalText(`A="x"\nB="\${A}-$A"\nC='\${A}'\nD=\${A}/y\nE="\${A}"'\${A}'$A\n`);
  t.is(v.B, 'x-x');
  t.is(v.C, '${A}');
  t.is(v.D, 'x/y');
  t.is(v.E, 'x${A}x');
});

test('escapes, continuations and newlines', (t) => {
  const v = evalText('A="\\$HOME \\\\ \\" \\n"\nB="one \\\ntwo"\nC="l1\nl2"\nD=a\\ b\nE="$"\n');
  t.is(v.A, '$HOME \\ " \\n', '\\$ \\\\ \\" are escapes, other backslashes stay');
  t.is(v.B, 'one two', 'backslash-newline is removed');
  t.is(v.C, 'l1 l2', 'a newline inside a value becomes a space');
  t.is(v.D, 'a b');
  t.is(v.E, '$', 'a lone dollar stays');
});

test('a later assignment overrides; ${SELF} sees the earlier value', (t) => {
  const v = evalText('FEATURES="a"\nFEATURES="${FEATURES} b"\nX=1\nX=2\n');
  t.is(v.FEATURES, 'a b');
  t.is(v.X, '2');
});

test('source reads through the caller\'s reader, relative to the including file', (t) => {
  const seen: string[] = [];
  const v = evaluateMakeConf(parseMakeConf('A=1\nsource "${A}.conf"\nC="${B}x"\n', '/etc/portage/make.conf'), {
    readSource: (path, from) => {
      seen.push(`${from} -> ${path}`);
      return { file: `/etc/portage/${path}`, text: 'B="from-sourced"\n' };
    },
  }).vars;
  t.deepEqual(seen, ['/etc/portage/make.conf -> 1.conf']);
  t.is(v.get('C'), 'from-sourcedx');
  const e = t.throws(() => evalText('source other.conf\n')) as BinfarmError;
  t.is(e.code, 'E_MAKECONF');
  t.regex(e.message, /^test\.conf:1: cannot read the sourced file "other\.conf"/);
});

test('command substitution, backticks and parameter operators fail with file and line', (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['A=1\nMAKEOPTS="-j$(nproc)"\n', 2, /command substitution "\$\(" is not supported/],
    ['\n\nX=`uname -m`\n', 3, /backticks is not supported/],
    ['A="${B:-x}"\n', 1, /parameter operator ":-x" in "\$\{B:-x\}" is not supported/],
    ['A="${B#x}"\n', 1, /parameter operator "#x"/],
    ['A="a\nb ${B"\n', 2, /unterminated "\$\{"/],
    ['A="$1"\n', 1, /"\$1" is not a variable reference/],
    ['A="x\n', 1, /unterminated double quote/],
    ["A='x\n", 1, /unterminated single quote/],
    ['A=x y\n', 1, /unexpected "y" after the value of A/],
    ['just words\n', 1, /expected "=" after "just"/],
    ['A=1\n-x=1\n', 2, /expected a variable assignment such as KEY="value", found "-x=1"/],
    ['A\n', 1, /expected "=" after "A"/],
  ];
  for (const [text, line, re] of cases) {
    const e = t.throws(() => parseMakeConf(text, '/etc/portage/make.conf')) as BinfarmError;
    t.is(e.code, 'E_MAKECONF', text);
    t.true(e.message.startsWith(`/etc/portage/make.conf:${line}: `), e.message);
    t.regex(e.message, re);
    t.truthy(e.hint, 'every make.conf error says what to do');
  }
});

test("'$(...)' inside single quotes is just text", (t) => {
  t.is(evalText("A='$(nproc) `x`'\n").A, '$(nproc) `x`');
});

test('an unresolved ${VAR} fails with file and line unless it is inherited', (t) => {
  const e = t.throws(() => evalText('A=1\n\nCFLAGS="${COMMON_FLAGS} -O2"\n')) as BinfarmError;
  t.is(e.code, 'E_MAKECONF');
  t.regex(e.message, /^test\.conf:3: \$\{COMMON_FLAGS\} is not set at this point/);
  t.is(evalText('CFLAGS="${CFLAGS} -ggdb"\n', { inherited: ['CFLAGS'] }).CFLAGS, '${CFLAGS} -ggdb');
  t.is(evalText('X="${ANY}"\n', { inherited: '*' }).X, '${ANY}');
  t.is(evalText('FEATURES="${FEATURES} x"\n', { inherited: inheritedNames() }).FEATURES, '${FEATURES} x');
});

test('formatAssignment quotes and checks; quoteLiteral escapes', (t) => {
  t.is(formatAssignment('CFLAGS', '${COMMON_FLAGS} -O2'), 'CFLAGS="${COMMON_FLAGS} -O2"\n');
  t.is(formatAssignment('A', quoteLiteral('cost $5 "x" \\')), 'A="cost \\$5 \\"x\\" \\\\"\n');
  t.is(evalText(formatAssignment('A', quoteLiteral('cost $5 "x" \\'))).A, 'cost $5 "x" \\');
  t.throws(() => formatAssignment('A', 'broken "quote'), { code: 'E_MAKECONF' } as never);
  t.throws(() => formatAssignment('A', '$(nproc)'), { code: 'E_MAKECONF' } as never);
});
