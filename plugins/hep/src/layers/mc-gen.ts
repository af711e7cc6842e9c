import { definePackageSets, type PackageSets } from 'binfarm';
import { fastjetAtom, pythiaAtom } from '../packages.ts';
import { defineLayer, TESTING } from '../types.ts';

/**
 * L3b mc-gen: the generator block on HepMC3, LHAPDF and FastJet, with Rivet/YODA for validation
 * (as LCG and Key4hep do). No ROOT: `sci-physics/root -pythia8` and `sci-physics/pythia -root`
 * keep the two apart.
 */
export const mcGen = defineLayer({
  name: 'mc-gen',
  parent: 'hep-core',
  description: 'event generators: Pythia 8, LHAPDF, FastJet, Rivet 4, YODA, ThePEG (Herwig, Sherpa, photos and tauola with ::science)',
  variants: ['headless'],
  variantNote: 'generators have no graphical front end',
  // Pythia accepts 3_11..3_14, Rivet and YODA 3_12..3_14
  python: { targets: ['python3_12', 'python3_13', 'python3_14'], limitedBy: 'sci-physics/rivet-4 and sci-physics/yoda-2' },
  packageSets: (ctx) => {
    const sets: PackageSets = {
      'mc-gen': {
        'sci-physics/pythia:8': pythiaAtom(),
        'sci-physics/lhapdf': { use: ['python'] },
        'sci-physics/fastjet': fastjetAtom(),
        'sci-physics/fastjet-contrib': { accept_keywords: TESTING },
        'sci-physics/yoda': { use: ['python', 'highfive', 'zlib'], accept_keywords: TESTING },
        // `analyses` compiles hundreds of analysis plugins: off unless asked for
        'sci-physics/rivet:4': { use: ['python', 'highfive', 'zlib', ctx.options.rivetAnalyses ? 'analyses' : '-analyses'], accept_keywords: TESTING },
        // thepeg[rivet] needs rivet <4, which blocks rivet:4
        'sci-physics/thepeg': { use: ['hepmc3', 'lhapdf', 'fastjet', 'zlib', '-rivet'], accept_keywords: TESTING },
      },
    };
    if (ctx.options.science) {
      sets['mc-gen-science'] = {
        // herwig needs the CT14 LO/NLO grids
        'sci-physics/lhapdf-sets': { use: ['lhapdf_sets_ct14lo', 'lhapdf_sets_ct14nlo'], accept_keywords: TESTING },
        // herwig pulls the evtgen version it needs (< 02.02.03)
        'sci-physics/herwig': { use: ['pythia'], accept_keywords: TESTING },
        'sci-physics/photos': { use: ['hepmc3'], accept_keywords: TESTING },
        'sci-physics/tauola': { use: ['hepmc3'], accept_keywords: TESTING },
        'sci-physics/sherpa': { use: ['fastjet', 'pythia8'], accept_keywords: TESTING },
      };
    }
    return definePackageSets(sets);
  },
  smoke: (ctx) => [
    { name: 'pythia example', cmd: ['/bin/sh', ctx.contextPath('smoke/pythia-check.sh')], expect: /pythia-ok/, timeout: 600 },
    {
      name: `generators for ${ctx.python}`,
      cmd: [ctx.python, '-c', 'import pythia8, fastjet, lhapdf, yoda, rivet; print("mc-gen-python-ok")'],
      expect: /mc-gen-python-ok/,
    },
    { name: 'fastjet-config', cmd: ['fastjet-config', '--version'], expect: /^3\./ },
    { name: 'lhapdf-config', cmd: ['lhapdf-config', '--version'], expect: /^6\./ },
    { name: 'rivet', cmd: ['rivet', '--version'], expect: /4\.\d/ },
  ],
});
