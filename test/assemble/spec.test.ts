/** What to assemble: config entry + command line, grammar checks, names; the config schema. */
import test from 'ava';
import { ConfigSchema, type BinfarmConfigInput } from '../../core/config/schema/index.ts';
import { resolveAssemblySpec } from '../../core/assemble/spec.ts';
import type { BinfarmError } from '../../core/errors.ts';

const SUBJECTS = ['base', 'science', 'extras'];
const options = (c: BinfarmConfigInput = {}) => ConfigSchema.parse(c);

test('command line only: sets and atoms are told apart and keyed by cat/pn', (t) => {
  const s = resolveAssemblySpec(
    options(),
    'analysis-env',
    { from: 'science', with: ['@science', '>=sci-physics/root-6.30:0', 'app-misc/jq', 'app-misc/jq'] },
    SUBJECTS,
  );
  t.is(s.from, 'science');
  t.deepEqual(s.with, [
    { kind: 'set', text: '@science', name: 'science' },
    { kind: 'atom', text: '>=sci-physics/root-6.30:0', cpn: 'sci-physics/root' },
    { kind: 'atom', text: 'app-misc/jq', cpn: 'app-misc/jq' },
  ]);
  t.false(s.slim);
  t.deepEqual(s.runtime, []);
  t.is(s.source, 'the command line');
});

test('the config entry is used, and flags override it', (t) => {
  const o = options({ assemble: { env: { from: 'science', with: ['app-misc/viewer'], labels: { a: '1' }, tag: 'stable', slim: true } } });
  const fromConfig = resolveAssemblySpec(o, 'env', {}, SUBJECTS);
  t.is(fromConfig.from, 'science');
  t.true(fromConfig.slim);
  t.is(fromConfig.tag, 'stable');
  t.deepEqual(fromConfig.runtime.map((r) => r.text), ['sys-apps/baselayout', 'virtual/libc']);
  t.is(fromConfig.source, 'assemble.env');
  const overridden = resolveAssemblySpec(o, 'env', { from: 'base', labels: { b: '2' }, runtime: [] }, SUBJECTS);
  t.is(overridden.from, 'base');
  t.deepEqual(overridden.with.map((i) => i.text), ['app-misc/viewer']);
  t.deepEqual(overridden.labels, { a: '1', b: '2' });
  t.deepEqual(overridden.runtime, []);
  t.is(overridden.source, 'assemble.env and the command line');
});

test('slim runtime atoms that are also requested are not repeated', (t) => {
  const s = resolveAssemblySpec(options(), 'x', { from: 'base', with: ['virtual/libc', 'app-misc/jq'], slim: true }, SUBJECTS);
  t.deepEqual(s.runtime.map((r) => r.text), ['sys-apps/baselayout']);
});

test('an invalid atom is reported with where it came from and the column', (t) => {
  const e = t.throws<BinfarmError>(() => resolveAssemblySpec(options(), 'x', { from: 'base', with: ['app-misc/jq', 'app-misc/jq-1.7'] }, SUBJECTS));
  t.is(e!.code, 'E_ATOM');
  t.regex(e!.message, /^--with: "app-misc\/jq-1\.7": invalid atom/);
  const blocker = t.throws<BinfarmError>(() =>
    resolveAssemblySpec(options({ assemble: { x: { from: 'base', with: ['a/b', '!app-misc/jq'] } } }), 'x', {}, SUBJECTS),
  );
  t.is(blocker!.code, 'E_ATOM');
  t.regex(blocker!.message, /^assemble\.x\.with\[1\]: "!app-misc\/jq"/);
  t.regex(blocker!.hint ?? '', /Blockers/);
  const set = t.throws<BinfarmError>(() => resolveAssemblySpec(options(), 'x', { from: 'base', with: ['@'] }, SUBJECTS));
  t.is(set!.code, 'E_GRAMMAR');
  t.regex(set!.hint ?? '', /package set \(`@name`/);
});

test('names: an image name, not a subject; from: a subject', (t) => {
  t.is(t.throws<BinfarmError>(() => resolveAssemblySpec(options(), 'My Env', { from: 'base', with: ['a/b'] }, SUBJECTS))!.code, 'E_USAGE');
  const clash = t.throws<BinfarmError>(() => resolveAssemblySpec(options(), 'science', { from: 'base', with: ['a/b'] }, SUBJECTS));
  t.regex(clash!.message, /is the name of a subject/);
  t.regex(clash!.hint ?? '', /science-env/);
  const from = t.throws<BinfarmError>(() => resolveAssemblySpec(options(), 'x', { from: 'scince', with: ['a/b'] }, SUBJECTS));
  t.is(from!.code, 'E_USAGE');
  t.regex(from!.hint ?? '', /Subjects: base, science, extras/);
  const cfgFrom = t.throws<BinfarmError>(() => resolveAssemblySpec(options({ assemble: { x: { from: 'scince', with: ['a/b'] } } }), 'x', {}, SUBJECTS));
  t.is(cfgFrom!.code, 'E_SUBJECT');
  t.regex(cfgFrom!.message, /assemble\.x\.from names "scince"/);
});

test('nothing to go on: no --from, no entry; nothing to install', (t) => {
  const o = options({ assemble: { other: { from: 'base', with: ['a/b'] } } });
  const none = t.throws<BinfarmError>(() => resolveAssemblySpec(o, 'x', {}, SUBJECTS));
  t.is(none!.code, 'E_USAGE');
  t.regex(none!.hint ?? '', /configured assemblies: other/);
  const empty = t.throws<BinfarmError>(() => resolveAssemblySpec(o, 'x', { from: 'base' }, SUBJECTS));
  t.regex(empty!.message, /names nothing to install/);
  const tag = t.throws<BinfarmError>(() => resolveAssemblySpec(o, 'x', { from: 'base', with: ['a/b'], tag: 'no tags/here' }, SUBJECTS));
  t.regex(tag!.message, /--tag "no tags\/here"/);
});

test('the schema: strict keys, image names as keys, at least one item', (t) => {
  const ok = ConfigSchema.safeParse({ assemble: { 'analysis-env': { from: 'analysis', with: ['@analysis'] } } });
  t.true(ok.success);
  if (ok.success) t.deepEqual(ok.data.assemble['analysis-env'], { from: 'analysis', with: ['@analysis'], slim: false, labels: {}, publish: false });
  const typo = ConfigSchema.safeParse({ assemble: { env: { from: 'a', with: ['a/b'], slm: true } } });
  t.false(typo.success);
  t.regex(JSON.stringify(typo.error?.issues), /slm/);
  const name = ConfigSchema.safeParse({ assemble: { 'Analysis Env': { from: 'a', with: ['a/b'] } } });
  t.false(name.success);
  t.regex(JSON.stringify(name.error?.issues), /assembly names become image names/);
  const empty = ConfigSchema.safeParse({ assemble: { env: { from: 'a', with: [] } } });
  t.false(empty.success);
  t.regex(JSON.stringify(empty.error?.issues), /at least one set or atom/);
});
