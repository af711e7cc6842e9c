import test from 'ava';
import type { AtomSpec, PackageSets } from '../../core/index.ts';
import { atomKey, parseAtom, validateEnvFileName, validateKeywordToken, validateLicenseToken, validateUseToken } from '../../core/portage/grammar/index.ts';
import { hep, LAYERS, LAYER_NAMES, type HepOptionsInput } from '@binfarm/plugin-hep';

/** The DAG of docs/internals/hep-layers.md#layers, written out independently of the plugin. */
const EXPECTED_PARENTS = {
  'hep-core': 'base',
  'hep-root': 'hep-core',
  'mc-sim': 'hep-core',
  'mc-gen': 'hep-core',
  'mc-sim-vmc': 'hep-root',
  analysis: 'hep-root',
  serving: 'base',
  'dev-tools': 'base',
};

/** Option combinations every layer must render valid content for. */
const SCENARIOS: Record<string, HepOptionsInput> = {
  headless: {},
  graphics: { variant: 'graphics' },
  'headless+opengl': { geantOpengl: true },
  everything: { variant: 'graphics', science: true, rivetAnalyses: true, hdf5Unsupported: true, pythonTarget: 'python3_12' },
  'dev-tools on analysis': { devToolsParent: 'analysis', layers: ['dev-tools'] },
};

/** Every atom with its spec, deps included. */
function atomsOf(sets: PackageSets): Array<[string, AtomSpec, boolean]> {
  const out: Array<[string, AtomSpec, boolean]> = [];
  const walk = (atom: string, spec: AtomSpec, dep: boolean) => {
    out.push([atom, spec, dep]);
    for (const [d, s] of Object.entries(spec.deps ?? {})) walk(d, s ?? {}, true);
  };
  for (const atoms of Object.values(sets)) for (const [a, s] of Object.entries(atoms)) walk(a, s ?? {}, false);
  return out;
}

test('the layer DAG matches docs/internals/hep-layers.md#layers', (t) => {
  t.deepEqual(Object.fromEntries(LAYER_NAMES.map((n) => [n, LAYERS[n].parent])), EXPECTED_PARENTS);
  const plugin = hep({ variant: 'graphics' });
  t.deepEqual(plugin.resolution.layers, [...LAYER_NAMES], 'the graphics variant can build every layer');
  for (const [name, spec] of Object.entries(plugin.resolution.subjects)) t.is(spec.parent, EXPECTED_PARENTS[name as keyof typeof EXPECTED_PARENTS], name);
});

test('a layer pulls in its ancestors, and only those', (t) => {
  t.deepEqual(hep({ layers: ['analysis'] }).resolution.layers, ['hep-core', 'hep-root', 'analysis']);
  t.deepEqual(hep({ layers: ['mc-gen', 'serving'] }).resolution.layers, ['hep-core', 'mc-gen', 'serving']);
  t.deepEqual(hep({ layers: ['mc-sim-vmc'], geantOpengl: true }).resolution.layers, ['hep-core', 'hep-root', 'mc-sim-vmc']);
  const devel = hep({ layers: ['dev-tools'], devToolsParent: 'mc-gen' });
  t.deepEqual(devel.resolution.layers, ['hep-core', 'mc-gen', 'dev-tools']);
  t.is(devel.resolution.subjects['dev-tools']!.parent, 'mc-gen');
});

test('default layers: all but mc-sim-vmc headless (Geant4 without OpenGL), all with geantOpengl or graphics', (t) => {
  t.deepEqual(hep().resolution.layers, LAYER_NAMES.filter((n) => n !== 'mc-sim-vmc'));
  t.true(hep({ geantOpengl: true }).resolution.layers.includes('mc-sim-vmc'));
  t.true(hep({ variants: { 'mc-sim-vmc': 'graphics' } }).resolution.layers.includes('mc-sim-vmc'));
});

for (const [scenario, options] of Object.entries(SCENARIOS)) {
  test(`every atom, flag, keyword, licence and env file is valid Portage syntax (${scenario})`, (t) => {
    const plugin = hep(options);
    let atoms = 0;
    for (const [subject, spec] of Object.entries(plugin.resolution.subjects)) {
      const files = spec.portage?.files ?? {};
      for (const [atom, s, dep] of atomsOf(spec.sets ?? {})) {
        const where = `${scenario} ${subject} ${atom}`;
        t.notThrows(() => parseAtom(atom, { allowWildcard: dep }), where);
        for (const u of s.use ?? []) t.notThrows(() => validateUseToken(u), `${where} use ${u}`);
        for (const k of s.accept_keywords ?? []) t.notThrows(() => validateKeywordToken(k), `${where} keyword ${k}`);
        for (const l of s.license ?? []) t.notThrows(() => validateLicenseToken(l), `${where} licence ${l}`);
        for (const e of s.env ?? []) {
          t.notThrows(() => validateEnvFileName(e), `${where} env ${e}`);
          t.truthy(files[`env/${e}`], `${where}: env file ${e} is shipped by the subject itself`);
        }
        const use = s.use ?? [];
        t.is(new Set(use.map((u) => u.replace(/^-/, ''))).size, use.length, `${where}: a flag is set twice (${use.join(' ')})`);
        atoms++;
      }
      t.true(spec.smoke!.length > 0, `${subject} has smoke tests`);
    }
    t.true(atoms > 40, `${atoms} atoms checked`);
  });
}

/** Old names of the 2020 spec (docs/internals/hep-layers.md#renamed-atoms): none may come back. */
const GONE_ATOMS = [
  'app-portage/layman', 'dev-util/cmake', 'dev-util/ninja', 'sys-devel/gdb', 'dev-util/valgrind', 'dev-util/strace', 'app-doc/doxygen',
  'sys-devel/clang', 'sys-devel/llvm', 'dev-python/celery', 'dev-python/QtPy', 'dev-python/PyQt5', 'dev-python/jupyter_console',
  'sci-libs/scipy', 'media-libs/libafterimage', 'dev-qt/qtcore', 'sci-physics/geant4', 'sci-physics/geant-vmc',
];

/** Flags that no longer exist on these packages (docs/internals/hep-layers.md#renamed-atoms). */
const GONE_FLAGS: Record<string, string[]> = {
  'sci-physics/geant': ['zlib', 'dawn', 'vrml', 'c++11', 'c++14', 'python', 'qt5'],
  'sci-visualization/gnuplot': ['compat', 'qt5'],
  'sci-libs/armadillo': ['hdf5', 'tbb'],
  'dev-db/postgresql': ['threads', 'libressl'],
  'dev-db/mysql': ['yassl', 'libressl'],
  'app-text/doxygen': ['latex', 'qt5'],
};

/** IUSE as read from the current ebuilds (docs/internals/hep-layers.md#sources; the 2026 ::gentoo index). */
const IUSE: Record<string, string[]> = {
  'sci-physics/geant': [
    'data',
    'debug',
    'doc',
    'examples',
    'freetype',
    'gdml',
    'geant3',
    'hdf5',
    'inventor',
    'motif',
    'opengl',
    'qt6',
    'raytracerx',
    'static-libs',
    'tbb',
    'threads',
    'trajectories',
    'vtk',
  ],
  // root-6.40.04.ebuild
  'sci-physics/root': [
    'X',
    'aqua',
    'cuda',
    'cudnn',
    'davix',
    'debug',
    'examples',
    'fits',
    'fftw',
    'fortran',
    'gdml',
    'graphviz',
    'gsl',
    'http',
    'jupyter',
    'libcxx',
    'minuit',
    'mpi',
    'opengl',
    'pythia8',
    'python',
    'qt6',
    'R',
    'roofit',
    'root7',
    'shadow',
    'sqlite',
    'ssl',
    'tbb',
    'test',
    'tmva',
    'unuran',
    'uring',
    'xml',
    'xrootd',
  ],
  // gnuplot-6.0.3.ebuild
  'sci-visualization/gnuplot': [
    'amos',
    'aqua',
    'bitmap',
    'cairo',
    'doc',
    'examples',
    'gd',
    'gpic',
    'latex',
    'libcaca',
    'libcerf',
    'lua',
    'metafont',
    'metapost',
    'qt6',
    'readline',
    'regis',
    'tgif',
    'wxwidgets',
    'X',
  ],
  // hepmc-3.3.1.ebuild
  'sci-physics/hepmc': ['doc', 'test', 'examples', 'python', 'root', 'static-libs'],
};

test('only current atom names, no flag that was removed, and flags from the IUSE of ROOT, Geant4, gnuplot, HepMC', (t) => {
  for (const [scenario, options] of Object.entries(SCENARIOS)) {
    for (const [subject, spec] of Object.entries(hep(options).resolution.subjects)) {
      for (const [atom, s] of atomsOf(spec.sets ?? {})) {
        const cp = atomKey(atom);
        t.false(GONE_ATOMS.includes(cp), `${scenario} ${subject}: ${cp} is an old name`);
        const flags = (s.use ?? []).filter((u) => !u.startsWith('-'));
        for (const f of flags) t.false(GONE_FLAGS[cp]?.includes(f) ?? false, `${scenario} ${subject}: ${cp} has no flag "${f}" any more`);
        if (IUSE[cp]) for (const u of s.use ?? []) t.true(IUSE[cp]!.includes(u.replace(/^-/, '')), `${scenario} ${subject}: ${cp} has no flag "${u}"`);
      }
    }
  }
});

/** docs/internals/hep-layers.md#keywords: testing-only in ::gentoo, so they need ~amd64; the stable ones must not get it. */
const TESTING_ONLY = [
  'sci-physics/root',
  'sci-physics/pythia',
  'sci-physics/hepmc',
  'sci-physics/fastjet',
  'sci-physics/rivet',
  'sci-physics/yoda',
  'sci-physics/thepeg',
  'sci-physics/vmc',
  'sci-physics/vgm',
  'sci-physics/geant4_vmc',
  // checked in the 2026 ::gentoo index: every ebuild is ~amd64
  'sci-libs/highfive',
  'dev-python/awkward',
  'dev-python/awkward-cpp',
  'dev-python/vector',
];
const STABLE = ['sci-physics/geant', 'sci-physics/geant-data', 'app-doc/geant-docs', 'sci-physics/clhep', 'sci-physics/lhapdf'];
const LICENSES: Record<string, string[]> = {
  'sci-physics/geant': ['geant4'],
  'sci-physics/geant-data': ['geant4'],
  'app-doc/geant-docs': ['geant4'],
  'sci-physics/root': ['MSttfEULA', 'freedist'],
};
const ON_DISK = ['sci-physics/root', 'dev-qt/qtwebengine', 'net-libs/nodejs', 'llvm-core/llvm', 'llvm-core/clang'];

test('keywords, licences and the on-disk build directory follow docs/internals/hep-layers.md', (t) => {
  const seen = new Set<string>();
  for (const spec of Object.values(hep({ variant: 'graphics', science: true }).resolution.subjects)) {
    for (const [atom, s] of atomsOf(spec.sets ?? {})) {
      const cp = atomKey(atom);
      seen.add(cp);
      if (TESTING_ONLY.includes(cp)) t.deepEqual(s.accept_keywords, ['~amd64'], `${cp} is testing-only`);
      if (STABLE.includes(cp)) t.is(s.accept_keywords, undefined, `${cp} is stable: no ~amd64`);
      if (LICENSES[cp]) t.deepEqual(s.license, LICENSES[cp], `${cp} licence`);
      else t.is(s.license, undefined, `${cp} needs no licence entry`);
      if (ON_DISK.includes(cp)) t.true(s.env?.includes('no-tmpfs.conf'), `${cp} builds on disk`);
    }
  }
  for (const cp of [...TESTING_ONLY, ...STABLE, ...Object.keys(LICENSES), ...ON_DISK]) t.true(seen.has(cp), `${cp} is part of some layer`);
});

test('variants switch X, OpenGL and Qt where docs/internals/hep-layers.md says', (t) => {
  const use = (options: HepOptionsInput, subject: string, cp: string) => {
    const spec = hep(options).resolution.subjects[subject]!;
    const hit = atomsOf(spec.sets ?? {}).find(([a]) => atomKey(a) === cp);
    return hit?.[1].use ?? [];
  };
  const root = use({}, 'hep-root', 'sci-physics/root');
  t.true(['-X', '-opengl', '-qt6', '-pythia8'].every((f) => root.includes(f)), root.join(' '));
  const rootG = use({ variant: 'graphics' }, 'hep-root', 'sci-physics/root');
  t.true(['X', 'opengl', '-qt6', '-pythia8'].every((f) => rootG.includes(f)), rootG.join(' '));
  t.deepEqual(use({}, 'mc-sim', 'sci-physics/geant').filter((f) => /opengl|qt6/.test(f)), ['-opengl', '-qt6']);
  t.deepEqual(use({ variant: 'graphics' }, 'mc-sim', 'sci-physics/geant').filter((f) => /opengl|qt6/.test(f)), ['opengl', 'qt6']);
  t.deepEqual(use({ geantOpengl: true }, 'mc-sim', 'sci-physics/geant').filter((f) => /opengl|qt6/.test(f)), ['opengl', '-qt6']);
  // a per-layer variant changes that layer only
  const mixed = hep({ variants: { 'mc-sim': 'graphics' } }).resolution;
  t.is(mixed.variants['mc-sim'], 'graphics');
  t.is(mixed.variants['hep-root'], 'headless');
  // layers without a graphics variant stay headless under variant: 'graphics'
  const g = hep({ variant: 'graphics' }).resolution.variants;
  t.is(g.serving, 'headless');
  t.is(g['mc-gen'], 'headless');
  t.is(g['hep-core'], 'headless');
});

test('mc-sim-vmc builds the Geant4 atoms of mc-sim with the same flags (binary packages are shared)', (t) => {
  for (const options of [{ geantOpengl: true }, { variant: 'graphics' as const }]) {
    const subjects = hep(options).resolution.subjects;
    const geant = (s: string) =>
      atomsOf(subjects[s]!.sets!).filter(([a]) => ['sci-physics/geant', 'sci-physics/geant-data', 'app-doc/geant-docs'].includes(atomKey(a)));
    t.deepEqual(geant('mc-sim-vmc'), geant('mc-sim'));
  }
});

test('one Python for every layer: PYTHON_SINGLE_TARGET and PYTHON_TARGETS follow pythonTarget', (t) => {
  for (const target of ['python3_12', 'python3_13']) {
    const subjects = hep({ pythonTarget: target, variant: 'graphics' }).resolution.subjects;
    for (const [name, spec] of Object.entries(subjects)) {
      t.deepEqual(spec.portage?.makeConf, { PYTHON_SINGLE_TARGET: `-* ${target}`, PYTHON_TARGETS: `-* ${target}` }, name);
      const interpreter = target.replace('python3_', 'python3.');
      for (const smoke of spec.smoke ?? []) if (/^python/.test(smoke.cmd[0]!)) t.is(smoke.cmd[0], interpreter, `${name} smoke ${smoke.name}`);
    }
  }
  // serving and dev-tools alone are not limited by HepMC or ROOT
  t.notThrows(() => hep({ layers: ['serving', 'dev-tools'], pythonTarget: 'python3_14' }));
});

test('rivetAnalyses, science and hdf5Unsupported change what they say', (t) => {
  const rivet = (o: HepOptionsInput) => atomsOf(hep(o).resolution.subjects['mc-gen']!.sets!).find(([a]) => a.startsWith('sci-physics/rivet'))![1].use!;
  t.true(rivet({}).includes('-analyses'));
  t.true(rivet({ rivetAnalyses: true }).includes('analyses'));
  const science = hep({ science: true, variant: 'graphics' }).resolution.subjects;
  t.truthy(science['mc-gen']!.sets!['mc-gen-science']!['sci-physics/herwig']);
  t.truthy(science['mc-sim-vmc']!.sets!['mc-sim-vmc-science']!['sci-physics/delphes'], 'delphes with ROOT[opengl]');
  t.truthy(science.analysis!.sets!['analysis-science']!['sci-physics/uproot']);
  const headlessScience = hep({ science: true, geantOpengl: true }).resolution.subjects;
  t.falsy(headlessScience['mc-sim-vmc']!.sets!['mc-sim-vmc-science']!['sci-physics/delphes'], 'no delphes without ROOT[opengl]');
  t.is(hep().resolution.subjects['mc-gen']!.sets!['mc-gen-science'], undefined);
  const hdf5 = (o: HepOptionsInput) => hep(o).resolution.subjects['hep-core']!.sets!['hep-core']!['sci-libs/hdf5']!.use!;
  t.true(hdf5({}).includes('-threads'));
  t.true(hdf5({ hdf5Unsupported: true }).includes('unsupported'));
});

test('extra atoms merge into the layer atom of the same package, or go to <layer>-extra', (t) => {
  const subjects = hep({
    layers: ['mc-gen'],
    extraAtoms: {
      'mc-gen': { 'sci-physics/rivet': { use: ['-python'] }, 'sci-physics/nlojet++': { accept_keywords: ['~amd64'] } },
      'hep-core': { 'dev-libs/boost': { use: ['tools'] } },
    },
  }).resolution.subjects;
  const rivet = subjects['mc-gen']!.sets!['mc-gen']!['sci-physics/rivet:4']!.use!;
  t.is(rivet.at(-1), '-python', 'appended after the layer flags, so it wins in package.use');
  t.deepEqual(subjects['mc-gen']!.sets!['mc-gen-extra'], { 'sci-physics/nlojet++': { accept_keywords: ['~amd64'] } });
  t.true(subjects['hep-core']!.sets!['hep-core']!['dev-libs/boost']!.use!.includes('tools'));
  // the plugin's own definitions are not changed by a merge
  t.false(hep().resolution.subjects['hep-core']!.sets!['hep-core']!['dev-libs/boost']!.use!.includes('tools'));
});
