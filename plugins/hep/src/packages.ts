import type { AtomSpec } from 'binfarm';
import { TESTING, type LayerContext } from './types.ts';

/**
 * Package specs used by more than one layer. Both layers render the same flags for the same
 * options, so the second build finds the first one's binary package in the binhost.
 */

/** Geant4 licences: the data sets and manuals carry the `geant4` licence too. */
const GEANT4_LICENSE = ['geant4'];

/** Does this layer build Geant4 with OpenGL? (graphics variant, or `geantOpengl` in any variant) */
export function geantOpengl(ctx: LayerContext): boolean {
  return ctx.graphics || ctx.options.geantOpengl;
}

/**
 * Geant4 (Gentoo calls it sci-physics/geant, slot 4) with its data. Headless: `data gdml
 * threads tbb -opengl -qt6 -vtk -hdf5`; graphics adds `opengl qt6`. REQUIRED_USE: tbb→threads,
 * qt6→opengl. hdf5 stays off (the HDF5 trap, rule "geant-hdf5").
 */
export function geantAtoms(ctx: LayerContext): Record<string, AtomSpec> {
  const opengl = geantOpengl(ctx);
  return {
    'sci-physics/geant:4': {
      use: ['data', 'gdml', 'threads', 'tbb', '-vtk', '-hdf5', opengl ? 'opengl' : '-opengl', ctx.graphics ? 'qt6' : '-qt6'],
      license: GEANT4_LICENSE,
      deps: {
        // about 2 GB of data sets, pulled by geant[data] with an exact version
        'sci-physics/geant-data:4': { license: GEANT4_LICENSE },
        // pulled by geant[doc]
        'app-doc/geant-docs:4': { license: GEANT4_LICENSE },
      },
    },
  };
}

/**
 * Pythia 8 with HepMC3, LHAPDF and FastJet. `-root` (only used by its tests) keeps ROOT out of
 * mc-gen; `-rivet` because rivet:4 is built in the same layer.
 */
export function pythiaAtom(): AtomSpec {
  return { use: ['hepmc3', 'lhapdf', 'fastjet', 'zlib', 'python', '-root', '-rivet'], accept_keywords: TESTING };
}

/** FastJet (cmake since 3.5.1-r1); `plugins` pulls sci-physics/siscone and needs Fortran. */
export function fastjetAtom(): AtomSpec {
  return { use: ['plugins', 'python'], accept_keywords: TESTING };
}
