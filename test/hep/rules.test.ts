import test from 'ava';
import { hep, PACKAGE_RULES, OPTION_RULES, type HepOptionsInput } from '@binfarm/plugin-hep';
import { farmWith, innerError, rendered, linesUnder } from './_farm.ts';

/** The error `hep(options)` throws. */
function hepError(options: unknown): Error & { code?: string; hint?: string; details?: Record<string, unknown> } {
  try {
    hep(options as HepOptionsInput);
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error(`hep(${JSON.stringify(options)}) did not fail`);
}

test('an unknown layer is an option error listing the known layers', (t) => {
  const e = hepError({ layers: ['hep-core', 'mc-simulation'] });
  t.is(e.code, 'E_CONFIG_INVALID');
  t.regex(
    e.message,
    /hep option "layers\[1\]": unknown layer "mc-simulation"; known layers: hep-core, hep-root, mc-sim, mc-gen, mc-sim-vmc, analysis, serving, dev-tools/,
  );
  t.regex(hepError({ variants: { 'root': 'graphics' } }).message, /hep option "variants.root": unknown layer "root"/);
  t.regex(hepError({ extraAtoms: { base: {} } }).message, /hep option "extraAtoms.base": unknown layer "base"/);
  t.regex(hepError({ layers: [] }).message, /hep option "layers": name at least one layer/);
});

test('an unsupported variant, a bad Python target, an unknown option or a bad atom name the option', (t) => {
  t.regex(hepError({ variant: 'wayland' }).message, /hep option "variant": unsupported variant "wayland"; variants are headless and graphics/);
  t.regex(hepError({ variants: { 'mc-sim': 'x11' } }).message, /hep option "variants.mc-sim": unsupported variant "x11"/);
  t.regex(hepError({ pythonTarget: '3.13' }).message, /hep option "pythonTarget": a Python target such as "python3_13"/);
  t.regex(hepError({ geantOpenGL: true }).message, /unknown option "geantOpenGL"; known options: layers, variant, .*geantOpengl/);
  t.regex(
    hepError({ extraAtoms: { 'mc-gen': { 'sci-physics/rivet': { usе: ['x'] } } } }).message,
    /hep option "extraAtoms.mc-gen.sci-physics\/rivet": unknown setting "usе"/,
  );
  const atom = hepError({ extraAtoms: { 'mc-gen': { 'sci-physics/rivet-4.1': {} } } });
  t.is(atom.code, 'E_CONFIG_INVALID');
  t.regex(atom.message, /hep option "extraAtoms.mc-gen\["sci-physics\/rivet-4.1"\]": .*version needs an operator|a package name without a version/);
});

test('a layer asked for in a variant it does not have breaks rule "layer-variant"', (t) => {
  const e = hepError({ variants: { serving: 'graphics' } });
  t.is(e.code, 'E_SUBJECT');
  t.regex(
    e.message,
    /hep rule "layer-variant" is broken in subject "serving": layer "serving" has no graphics variant \(it has headless\): services run without a display/,
  );
  t.regex(hepError({ variants: { 'hep-core': 'graphics' } }).message, /"hep-core" has no graphics variant/);
});

test('mc-sim-vmc with headless Geant4 breaks rule "vmc-geant-opengl", and says how to fix it', (t) => {
  const e = hepError({ layers: ['mc-sim-vmc'] });
  t.is(e.code, 'E_SUBJECT');
  t.regex(
    e.message,
    /hep rule "vmc-geant-opengl" is broken in subject "mc-sim-vmc": sci-physics\/geant4_vmc has a hard RDEPEND on sci-physics\/geant\[opengl\]/,
  );
  t.regex(e.hint!, /variants: \{ 'mc-sim-vmc': 'graphics' \}.*geantOpengl: true/);
  t.deepEqual(e.details, { rules: [{ rule: 'vmc-geant-opengl', subject: 'mc-sim-vmc' }] });
  t.notThrows(() => hep({ layers: ['mc-sim-vmc'], geantOpengl: true }));
  t.notThrows(() => hep({ layers: ['mc-sim-vmc'], variants: { 'mc-sim-vmc': 'graphics' } }));
});

test('the HDF5/threads trap: geant hdf5 needs hdf5 unsupported; hdf5 threads+cxx too', (t) => {
  const geant = hepError({ layers: ['mc-sim'], extraAtoms: { 'mc-sim': { 'sci-physics/geant': { use: ['hdf5'] } } } });
  t.is(geant.code, 'E_SUBJECT');
  t.regex(geant.message, /hep rule "geant-hdf5" is broken in subject "mc-sim"/);
  t.notThrows(() => hep({ layers: ['mc-sim'], hdf5Unsupported: true, extraAtoms: { 'mc-sim': { 'sci-physics/geant': { use: ['hdf5'] } } } }));
  const hdf5 = hepError({ layers: ['hep-core'], extraAtoms: { 'hep-core': { 'sci-libs/hdf5': { use: ['threads'] } } } });
  t.regex(hdf5.message, /hep rule "hdf5-threads-cxx" is broken in subject "hep-core": sci-libs\/hdf5 has threads with cxx\/hl/);
});

test('clhep threads, root -pythia8, pythia -root, thepeg -rivet and Geant4 REQUIRED_USE are enforced', (t) => {
  const cases: Array<[HepOptionsInput, string, string]> = [
    [{ layers: ['mc-sim'], extraAtoms: { 'hep-core': { 'sci-physics/clhep': { use: ['-threads'] } } } }, 'clhep-threads', 'mc-sim'],
    [{ layers: ['hep-root'], extraAtoms: { 'hep-root': { 'sci-physics/root': { use: ['pythia8'] } } } }, 'root-no-pythia8', 'hep-root'],
    [{ layers: ['mc-gen'], extraAtoms: { 'mc-gen': { 'sci-physics/pythia': { use: ['root'] } } } }, 'pythia-no-root', 'mc-gen'],
    [{ layers: ['mc-gen'], extraAtoms: { 'mc-gen': { 'sci-physics/thepeg': { use: ['rivet'] } } } }, 'thepeg-no-rivet', 'mc-gen'],
    [{ layers: ['mc-sim'], extraAtoms: { 'mc-sim': { 'sci-physics/geant': { use: ['qt6'] } } } }, 'geant-required-use', 'mc-sim'],
    [{ layers: ['hep-root'], extraAtoms: { 'hep-root': { 'dev-qt/qtwebengine': { env: ['debugsyms.conf'] } } } }, 'qtwebengine-no-debugsyms', 'hep-root'],
    [{ layers: ['hep-root'], extraAtoms: { 'hep-root': { 'sci-physics/root': { use: ['opengl'] } } } }, 'root-required-use', 'hep-root'],
  ];
  for (const [options, rule, subject] of cases) {
    const e = hepError(options);
    t.is(e.code, 'E_SUBJECT', rule);
    t.true(e.message.includes(`hep rule "${rule}" is broken in subject "${subject}"`), `${rule}: ${e.message}`);
  }
  t.regex(hepError(cases[4]![0]).message, /sci-physics\/geant has qt6 without opengl/);
  t.regex(hepError(cases[6]![0]).message, /sci-physics\/root has opengl without X/);
  t.regex(
    hepError({ layers: ['hep-root'], extraAtoms: { 'hep-root': { 'sci-physics/root': { use: ['davix', '-xml'] } } } }).message,
    /root-required-use.*davix without xml/,
  );
  t.notThrows(() => hep({ layers: ['hep-root'], variant: 'graphics', extraAtoms: { 'hep-root': { 'sci-physics/root': { use: ['davix'] } } } }));
});

test('a rule broken in a parent is reported once, in the topmost layer', (t) => {
  const e = hepError({ extraAtoms: { 'hep-core': { 'sci-libs/hdf5': { use: ['threads'] } } } });
  t.is((e.details!.rules as unknown[]).length, 1);
  t.regex(e.message, /in subject "hep-core"/);
});

test('several violations are listed together', (t) => {
  const e = hepError({
    layers: ['mc-sim-vmc', 'mc-gen'],
    variants: { serving: 'graphics' },
    extraAtoms: { 'mc-gen': { 'sci-physics/pythia': { use: ['root'] } } },
  });
  t.regex(e.message, /^3 hep rules are broken:\n {2}- hep rule "layer-variant".*\n {2}- hep rule "pythia-no-root".*\n {2}- hep rule "vmc-geant-opengl"/s);
});

test('pythonTarget outside what HepMC and ROOT accept breaks rule "python-target"', (t) => {
  const e = hepError({ pythonTarget: 'python3_14' });
  t.is(e.code, 'E_SUBJECT');
  t.regex(
    e.message,
    /hep rule "python-target" is broken in subject "hep-core": pythonTarget "python3_14" is not accepted by sci-physics\/hepmc-3.3.1 \(layer hep-core accepts python3_11, python3_12, python3_13\); the chosen layers can share python3_12 or python3_13/,
  );
  t.regex(hepError({ pythonTarget: 'python3_11', layers: ['mc-gen'] }).message, /sci-physics\/rivet-4 and sci-physics\/yoda-2/);
});

test('science: true without a "science" overlay in the config breaks rule "science-overlay"', async (t) => {
  const e = await innerError(() => farmWith({ plugins: [hep({ science: true, layers: ['mc-gen'] })] }));
  t.is(e.code, 'E_SUBJECT');
  t.regex(
    e.message,
    /hep rule "science-overlay" is broken in subject "mc-gen": science: true adds ::science packages to mc-gen, but the config has no overlay named "science"/,
  );
  t.notThrows(() => farmWith({ plugins: [hep({ science: true, layers: ['serving'] })] }), 'no ::science package in serving: no overlay needed');
  const farm = farmWith({
    plugins: [hep({ science: true, layers: ['mc-gen'] })],
    overlays: [{ name: 'science', source: { type: 'dir', path: '/var/db/repos/science' } }],
  });
  const files = await rendered(farm, 'mc-gen');
  t.true(linesUnder(files, 'package.use').includes('sci-physics/herwig pythia'));
  t.is(files.get('repos.conf/science.conf')?.includes('/var/db/repos/science'), true);
});

test('the rules are checked again on the finished model: an atom hook of another plugin cannot break them', async (t) => {
  const sneaky = {
    name: 'sneaky',
    apply(farm: import('../../core/farm.ts').Farm) {
      farm.hooks.atom.for('sci-physics/root').tap('sneaky', (spec) => ({ ...spec, use: [...(spec.use ?? []), 'pythia8'] }));
    },
  };
  const farm = farmWith({ plugins: [hep({ layers: ['analysis'] }), sneaky] });
  for (const subject of ['hep-root', 'analysis']) {
    const e = await innerError(() => rendered(farm, subject));
    t.is(e.code, 'E_SUBJECT');
    t.regex(e.message, new RegExp(`hep rule "root-no-pythia8" is broken in subject "${subject}"`));
  }
  // subjects that do not stand on a HEP layer are not the plugin's business
  await t.notThrowsAsync(() => rendered(farm, 'base'));
});

test('every rule has an id, a summary and a hint; ids are unique', (t) => {
  const all = [...PACKAGE_RULES, ...OPTION_RULES];
  t.is(new Set(all.map((r) => r.id)).size, all.length);
  for (const r of all) {
    t.regex(r.id, /^[a-z0-9-]+$/);
    t.true(r.summary.length > 10 && r.hint.length > 10, r.id);
  }
});
