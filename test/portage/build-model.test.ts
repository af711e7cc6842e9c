import test from 'ava';
import { buildPortageModel } from '../../core/portage/build-model.ts';
import { renderSubject } from '../../core/portage/render-subject.ts';
import { evaluateMakeConf, inheritedNames, parseMakeConf } from '../../core/portage/makeconf/index.ts';
import type { BinfarmError } from '../../core/errors.ts';
import type { BinfarmConfigInput } from '../../core/config/schema/index.ts';
import type { Plugin } from '../../core/plugin.ts';
import { farmOf } from './helpers.ts';

const withSets = (sets: Record<string, Record<string, unknown>>, extra: BinfarmConfigInput = {}): BinfarmConfigInput => ({
  ...extra,
  subjects: { lab: { sets: sets as never } },
});

async function renderError(config: BinfarmConfigInput, subject = 'lab'): Promise<BinfarmError> {
  const err = await renderSubject(farmOf(config), subject).then(
    () => undefined,
    (e: unknown) => e as BinfarmError,
  );
  if (!err) throw new Error('expected the render to fail');
  return err;
}

function makeConfVars(files: Map<string, string>): Record<string, string> {
  const vars = new Map<string, string>();
  for (const [k, v] of files) if (k === 'make.conf' || k.startsWith('make.conf/')) evaluateMakeConf(parseMakeConf(v, k), { vars, inherited: inheritedNames() });
  return Object.fromEntries(vars);
}

test('invalid input names the subject, set and atom', async (t) => {
  const cases: Array<[Record<string, Record<string, unknown>>, BinfarmError['code'], RegExp]> = [
    [{ tools: { 'dev-util/cmake-3': {} } }, 'E_ATOM', /^subject "lab", set "tools", atom "dev-util\/cmake-3": invalid atom/],
    [
      { tools: { 'dev-util/cmake': { use: ['qt5', 'b@d!'] } } },
      'E_GRAMMAR',
      /^subject "lab", set "tools", atom "dev-util\/cmake", use: invalid USE flag "b@d!"/,
    ],
    [{ tools: { 'dev-util/cmake': { license: ['GPL 2!'] } } }, 'E_GRAMMAR', /atom "dev-util\/cmake", license: invalid licence "GPL"|invalid licence "2!"/],
    [{ tools: { 'dev-util/cmake': { accept_keywords: ['~amd64!'] } } }, 'E_GRAMMAR', /atom "dev-util\/cmake", accept_keywords: invalid keyword "~amd64!"/],
    [{ tools: { 'dev-util/cmake': { deps: { '!dev-libs/foo': {} } } } }, 'E_ATOM', /atom "dev-util\/cmake", dep "!dev-libs\/foo": invalid atom/],
    [{ tools: { 'dev-util/cmake': { deps: { 'dev-libs/foo': { use: ['-'] } } } } }, 'E_GRAMMAR', /dep "dev-libs\/foo", use: invalid USE flag "-"/],
    [{ 'bad/set': { 'dev-util/cmake': {} } }, 'E_GRAMMAR', /^subject "lab", set "bad\/set": invalid set name/],
    [{ tools: { 'dev-util/cmake': { env: ['../x.conf'] } } }, 'E_GRAMMAR', /env: invalid env file name "..\/x.conf"/],
    [{ tools: { 'dev-util/cmake': { patches: { 'fix.txt': 'x' } } } }, 'E_GRAMMAR', /patch name "fix.txt" must be a file name ending in .patch or .diff/],
    [{ tools: { 'dev-util/cmake:=': {} } }, 'E_ATOM', /only valid in ebuild dependencies|slot name without an operator/],
    [{ tools: { '*/*': {} } }, 'E_ATOM', /set "tools", atom "\*\/\*": invalid atom/],
  ];
  for (const [sets, code, re] of cases) {
    const e = await renderError(withSets(sets));
    t.is(e.code, code, e.message);
    t.regex(e.message, re);
  }
});

test('an env file nothing provides is an error naming where it is used', async (t) => {
  const e = await renderError(withSets({ tools: { 'dev-qt/qtbase': { env: ['no-such.conf'] } } }));
  t.is(e.code, 'E_SUBJECT');
  t.regex(e.message, /^subject "lab", set "tools", atom "dev-qt\/qtbase": env file "no-such.conf" is not provided by anything/);
  t.regex(e.hint ?? '', /portage\.files\["env\/no-such\.conf"\]/);
  // provided by the base's overlay (root.00.d/etc/portage/env/no-tmpfs.conf): fine for a child subject
  await t.notThrowsAsync(
    renderSubject(farmOf({ base: { overlays: ['root.00.d'] }, ...withSets({ tools: { 'dev-qt/qtbase': { env: ['no-tmpfs.conf'] } } }) }), 'lab'),
  );
  // provided by portage.files
  await t.notThrowsAsync(
    renderSubject(farmOf(withSets({ tools: { 'dev-qt/qtbase': { env: ['x.conf'] } } }, { portage: { files: { 'env/x.conf': 'A=1\n' } } })), 'lab'),
  );
});

test('config-level errors name the config key', async (t) => {
  const cases: Array<[BinfarmConfigInput, RegExp]> = [
    [{ portage: { use: ['ok', 'not ok'] } }, /^config portage\.use\[1\]: invalid USE flag "not ok"/],
    [{ portage: { acceptKeywords: ['~amd64', '~~x'] } }, /^config portage\.acceptKeywords\[1\]: invalid keyword/],
    [{ portage: { acceptLicense: ['@FREE', '@'] } }, /^config portage\.acceptLicense\[1\]: invalid licence/],
    [{ portage: { features: ['Bad'] } }, /^config portage\.features\[0\]: invalid FEATURES token/],
    [{ portage: { binpkgCompress: 'rar' } }, /portage\.binpkgCompress: "rar" is not a compressor/],
    [{ portage: { files: { '../etc/passwd': 'x' } } }, /portage\.files\["..\/etc\/passwd"\]: ".*" must be a normalized path relative to \/etc\/portage/],
    [{ portage: { files: { 'env/bad.conf': 'A=$(id)\n' } } }, /portage\.files\["env\/bad\.conf"\]: env\/bad\.conf:1: command substitution/],
    [{ portage: { provided: ['>=sys-kernel/foo-1'] } }, /config portage\.provided\[0\]: invalid atom/],
    [{ portage: { makeConf: { CFLAGS: '${NOPE} -O2' } } }, /make\.conf:\d+: \$\{NOPE\} is not set at this point/],
    [{ portage: { files: { 'make.conf/zz-local.conf': 'A=1\n' } } }, /"make\.conf\/zz-local\.conf" \(from 00-binfarm\) needs make\.conf to be a directory/],
    [{ portage: { files: { 'make.conf': 'A=1\n' } } }, /two contributions render \/etc\/portage path "make\.conf" differently/],
  ];
  for (const [config, re] of cases) {
    const e = await renderError(config, 'base');
    t.regex(e.message, re, e.message);
  }
});

test('a subject overriding a non-incremental variable wins; two plugins at equal precedence conflict', async (t) => {
  const files = (await renderSubject(farmOf({ portage: { makeopts: '-j4' }, subjects: { lab: { portage: { makeConf: { MAKEOPTS: '-j1' } } } } }), 'lab')).files;
  t.is(makeConfVars(files).MAKEOPTS, '-j1');
  const plugin = (name: string, value: string): Plugin => ({
    name,
    apply(farm) {
      farm.hooks.portageModel.tap(name, (model) => {
        model.makeConf.push({ contributor: `60-${name}`, vars: { GENTOO_MIRRORS: value } });
        return model;
      });
    },
  });
  const e = await renderError({ plugins: [plugin('mirror-a', '/mnt/a'), plugin('mirror-b', '/mnt/b')] }, 'base');
  t.is(e.code, 'E_PORTAGE_CONFLICT');
  t.regex(e.message, /GENTOO_MIRRORS is set differently by "60-mirror-a" \("\/mnt\/a"\) and "60-mirror-b" \("\/mnt\/b"\)/);
});

test('hooks: atom waterfall per cat/pn, makeConf, portageModel, renderedFiles', async (t) => {
  const seen: string[] = [];
  const plugin: Plugin = {
    name: 'tweaks',
    apply(farm) {
      farm.hooks.atom.for('sci-physics/root').tap('tweaks', (spec, ctx) => {
        seen.push(`${ctx.subject.name}/${ctx.set}/${ctx.atom}`);
        return { ...spec, use: [...(spec.use ?? []), '-pythia8'] };
      });
      farm.hooks.makeConf.tap('tweaks', (vars) => ({ ...vars, GENTOO_MIRRORS: '/mnt/distfiles' }));
      farm.hooks.portageModel.tapPromise('tweaks', async (model) => {
        model.entries.push({ kind: 'package.use', contributor: '60-tweaks', atom: 'dev-lang/python', tokens: ['-tk'] });
        return model;
      });
      farm.hooks.renderedFiles.tap('tweaks', (files) => new Map([...files, ['bashrc', '# hello\n']]));
    },
  };
  const { files, model } = await renderSubject(farmOf({ plugins: [plugin], ...withSets({ ana: { '>=sci-physics/root-6.30': { use: ['xrootd'] } } }) }), 'lab');
  t.deepEqual(seen, ['lab/ana/>=sci-physics/root-6.30']);
  t.is(files.get('package.use/51-lab'), '# generated by binfarm — 51-lab\n>=sci-physics/root-6.30 xrootd -pythia8\n');
  t.is(files.get('package.use/60-tweaks'), '# generated by binfarm — 60-tweaks\ndev-lang/python -tk\n');
  t.is(makeConfVars(files).GENTOO_MIRRORS, '/mnt/distfiles');
  t.is(files.get('bashrc'), '# hello\n');
  t.true(model.entries.some((e) => e.contributor === '60-tweaks'));
});

test('an atom tap error names the plugin and the subject', async (t) => {
  const plugin: Plugin = {
    name: 'broken',
    apply(farm) {
      farm.hooks.atom.for('app-misc/hello').tap('broken', () => {
        throw new Error('nope');
      });
    },
  };
  const e = await renderError({ plugins: [plugin], ...withSets({ s: { 'app-misc/hello': {} } }) });
  t.is(e.code, 'E_PLUGIN');
  t.regex(e.message, /plugin "broken" failed in hook "atom\[app-misc\/hello\]" for subject "lab": nope/);
});

test('build types: opt, dbg global, dbg per package', async (t) => {
  const sets = { s: { 'sci-physics/geant': { env: ['debugsyms.conf', 'installsources.conf'] } } };
  const opt = await renderSubject(farmOf(withSets(sets)), 'lab');
  t.false(opt.files.has('package.env/51-lab'), 'opt drops the dbg env files');
  t.false(opt.files.has('env/debugsyms.conf'));
  t.is(makeConfVars(opt.files).CFLAGS, '-O2 -pipe -march=x86-64 -mtune=generic');

  const global = await renderSubject(farmOf(withSets(sets, { portage: { buildType: 'dbg', customProfile: false } })), 'lab');
  const gv = makeConfVars(global.files);
  for (const v of ['CFLAGS', 'CXXFLAGS', 'FCFLAGS', 'FFLAGS']) t.is(gv[v], '-O2 -pipe -march=x86-64 -mtune=generic -ggdb', v);
  t.regex(gv.FEATURES!, /splitdebug compressdebug installsources -nostrip/);
  t.false(global.files.has('package.env/51-lab'), 'global dbg already covers every package');

  const globalProfile = await renderSubject(farmOf(withSets(sets, { portage: { buildType: 'dbg' } })), 'lab');
  t.notRegex(makeConfVars(globalProfile.files).FEATURES!, /splitdebug/, 'with a custom profile the dbg FEATURES live in make.defaults');
  t.regex(
    globalProfile.files.get('/var/db/repos/binfarm-local/profiles/binfarm/amd64/23.0/dbg/make.defaults')!,
    /FEATURES="splitdebug compressdebug installsources -nostrip"/,
  );

  const per = await renderSubject(farmOf(withSets(sets, { portage: { buildType: 'dbg', dbgScope: 'per-package' } })), 'lab');
  t.is(per.files.get('package.env/51-lab'), '# generated by binfarm — 51-lab\nsci-physics/geant debugsyms.conf installsources.conf\n');
  t.regex(per.files.get('env/debugsyms.conf')!, /CFLAGS="\$\{CFLAGS\} -ggdb"/);
  t.is(makeConfVars(per.files).CFLAGS, '-O2 -pipe -march=x86-64 -mtune=generic');
});

test('FEATURES: container-safe defaults, sandbox kept when ptrace is granted, user tokens last', async (t) => {
  const f = async (portage: BinfarmConfigInput['portage']) => makeConfVars((await renderSubject(farmOf({ portage }), 'base')).files).FEATURES!.split(' ');
  const plain = await f({});
  for (const tok of [
    '-sandbox',
    '-usersandbox',
    '-ipc-sandbox',
    '-network-sandbox',
    '-pid-sandbox',
    '-mount-sandbox',
    'buildpkg',
    'binpkg-multi-instance',
    '-news',
  ])
    t.true(plain.includes(tok), tok);
  const ptrace = await f({ grantPtrace: true, features: ['-buildpkg', 'fail-clean'] });
  t.false(ptrace.includes('-sandbox'));
  t.false(ptrace.includes('-usersandbox'));
  t.true(ptrace.includes('-ipc-sandbox'));
  t.true(ptrace.includes('-buildpkg') && !ptrace.includes('buildpkg'), 'a user "-token" removes a default');
  t.is(ptrace.at(-1), 'fail-clean');
});

test('the model includes ancestors under their own contributors; sets of one name conflict', async (t) => {
  const model = await buildPortageModel(
    farmOf({
      base: { sets: { b: { 'app-admin/sudo': { use: ['ldap'] } } } },
      subjects: { a: { sets: { sa: { 'app-misc/jq': { use: ['x'] } } } }, c: { parent: 'a', sets: { sc: { 'app-misc/hello': { use: ['nls'] } } } } },
    }),
    'c',
  );
  t.deepEqual([...new Set(model.entries.map((e) => e.contributor))], ['50-base', '51-a', '52-c']);
  t.deepEqual(Object.keys(model.sets), ['b', 'sa', 'sc']);
  t.deepEqual(model.makeConf.map((m) => [m.contributor, m.precedence]), [['00-binfarm', 0]]);
  const e = await renderError({ base: { sets: { dup: { 'app-admin/sudo': {} } } }, subjects: { lab: { sets: { dup: { 'app-misc/jq': {} } } } } });
  t.is(e.code, 'E_PORTAGE_CONFLICT');
  t.regex(e.message, /set "dup" is also defined by 50-base/);
});

test('repos.conf: the main tree is read-only and overlays from the config are listed', async (t) => {
  const { files } = await renderSubject(
    farmOf({ overlays: [{ name: 'science', source: { type: 'dir', path: 'x' } }], portage: { customProfile: false } }),
    'base',
  );
  t.regex(
    files.get('repos.conf/gentoo.conf')!,
    /\[DEFAULT\]\nmain-repo = gentoo\n\n\[gentoo\]\nlocation = \/var\/db\/repos\/gentoo\nsync-type =\nsync-uri =\nauto-sync = no\n/,
  );
  t.regex(files.get('repos.conf/science.conf')!, /\[science\]\nlocation = \/var\/db\/repos\/science\n/);
  t.is(files.get('make.profile'), 'symlink:../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0');
});
