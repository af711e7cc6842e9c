import { definePackageSets, type PackageSets } from 'binfarm';
import { defineLayer, TESTING, variantUse } from '../types.ts';

/**
 * L4 analysis: the scientific Python block and plotting on top of ROOT (docs/internals/hep-layers.md#analysis);
 * the scikit-hep packages come from ::science.
 */
export const analysis = defineLayer({
  name: 'analysis',
  parent: 'hep-root',
  description: 'analysis tools on ROOT: scipy, matplotlib, pandas, h5py, awkward, vector, jupyter, gnuplot (scikit-hep with ::science)',
  variants: ['headless', 'graphics'],
  packageSets: (ctx) => {
    const sets: PackageSets = {
      analysis: {
        // `latex` would pull TeX Live; `compat` and `qt5` are gone from the ebuild
        'sci-visualization/gnuplot': { use: [...variantUse(ctx, ['gd', 'readline', 'cairo', 'lua', 'libcerf', '-latex'], ['X', 'qt6']), '-wxwidgets'] },
        'dev-python/scipy': {},
        'dev-python/matplotlib': {},
        'dev-python/pandas': { use: ctx.graphics ? ['X'] : ['-X'] },
        'dev-python/h5py': {},
        // scikit-hep in ::gentoo: ~amd64 only (awkward pins an exact awkward-cpp)
        'dev-python/awkward': { accept_keywords: TESTING, deps: { 'dev-python/awkward-cpp': { accept_keywords: TESTING } } },
        'dev-python/vector': { accept_keywords: TESTING },
      },
      'analysis-notebook': {
        'dev-python/jupyter': {},
        'dev-python/notebook': {},
      },
    };
    if (ctx.options.science) {
      sets['analysis-science'] = Object.fromEntries(
        [
          'sci-physics/uproot',
          'sci-physics/particle',
          'sci-physics/hepunits',
          'sci-physics/pyhf',
          'sci-physics/mplhep',
          'sci-physics/pyhepmc',
          'dev-python/boost-histogram',
          'dev-python/hist',
          'dev-python/dask-awkward',
        ].map((atom) => [atom, { accept_keywords: TESTING }]),
      );
    }
    return definePackageSets(sets);
  },
  smoke: (ctx) => [
    { name: 'analysis round trip', cmd: [ctx.python, ctx.contextPath('smoke/analysis_check.py')], expect: /analysis-ok/, timeout: 600 },
    { name: 'gnuplot', cmd: ['gnuplot', '--version'], expect: /^gnuplot 6/ },
    { name: 'jupyter', cmd: ['jupyter', '--version'], expect: /notebook/ },
  ],
});
