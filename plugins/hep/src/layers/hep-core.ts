import { definePackageSets } from 'binfarm';
import { defineLayer, TESTING } from '../types.ts';

/**
 * L1 hep-core: the library core every HEP stack agrees on (docs/internals/hep-layers.md#hep-core): CLHEP, Boost,
 * GSL, Xerces-C, HDF5, FFTW, TBB, HepMC3, numpy. No ROOT, no Geant4: minutes to about an hour.
 */
export const hepCore = defineLayer({
  name: 'hep-core',
  parent: 'base',
  description: 'HEP library core: CLHEP, Boost, GSL, Xerces-C, HDF5, FFTW, TBB, HepMC3, numpy (no ROOT, no Geant4)',
  variants: ['headless'],
  variantNote: 'hep-core holds libraries only; graphics switches live in hep-root, mc-sim, mc-sim-vmc, analysis and dev-tools',
  // HepMC 3.3.1 accepts python3_11..3_13 (docs/internals/hep-layers.md#shared-settings)
  python: { targets: ['python3_11', 'python3_12', 'python3_13'], limitedBy: 'sci-physics/hepmc-3.3.1' },
  packageSets: (ctx) =>
    definePackageSets({
      'hep-core': {
        // threads: sci-physics/geant[threads] depends on clhep[threads?]
        'sci-physics/clhep': { use: ['threads'] },
        'dev-libs/boost': { use: ['python', 'numpy', 'context', 'zstd', 'lzma'] },
        'sci-libs/gsl': {},
        'dev-libs/xerces-c': { use: ['curl'] },
        // the HDF5 trap: threads with cxx/hl only when USE=unsupported is chosen on purpose
        'sci-libs/hdf5': { use: ctx.options.hdf5Unsupported ? ['cxx', 'hl', 'zlib', 'threads', 'unsupported'] : ['cxx', 'hl', 'zlib', '-threads'] },
        // header-only; every ebuild is ~amd64 (checked in the 2026 ::gentoo index)
        'sci-libs/highfive': { accept_keywords: TESTING },
        'sci-libs/fftw:3.0': {},
        'dev-cpp/tbb': {},
        'sci-physics/hepmc:3': { use: ['python'], accept_keywords: TESTING },
        'sci-libs/armadillo': { use: ['arpack', 'blas', 'lapack', 'superlu'] },
        'dev-cpp/yaml-cpp': {},
        'dev-python/numpy': { use: ['lapack'] },
      },
    }),
  smoke: (ctx) => [
    { name: 'clhep-config', cmd: ['clhep-config', '--version'], expect: /^CLHEP 2\./ },
    { name: 'HepMC3-config', cmd: ['HepMC3-config', '--version'], expect: /^3\./ },
    { name: 'gsl-config', cmd: ['gsl-config', '--version'], expect: /^2\./ },
    {
      name: `numpy for ${ctx.python}`,
      cmd: [ctx.python, '-c', 'import numpy, pyHepMC3; print("hep-core-python-ok", numpy.__version__)'],
      expect: /hep-core-python-ok/,
    },
  ],
});
