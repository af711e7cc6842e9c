import { definePackageSets, type PackageSets } from 'binfarm';
import { fastjetAtom, geantAtoms, geantOpengl, pythiaAtom } from '../packages.ts';
import { defineLayer, TESTING } from '../types.ts';

/**
 * L3c mc-sim-vmc: the only place where ROOT and Geant4 meet (VMC, VGM, geant4_vmc; genfit and
 * delphes with ::science). A subject has one parent: this layer stands on hep-root (ROOT is
 * the hours-long build, inherited from the image) and builds the Geant4 atoms of mc-sim with
 * the same flags, so they come from the binhost when mc-sim built them first (docs/hep.md).
 * sci-physics/geant4_vmc has a hard RDEPEND on sci-physics/geant[opengl].
 */
export const mcSimVmc = defineLayer({
  name: 'mc-sim-vmc',
  parent: 'hep-root',
  description: 'Virtual Monte Carlo: VMC, VGM and geant4_vmc on ROOT and Geant4 with OpenGL (genfit and delphes with ::science)',
  variants: ['headless', 'graphics'],
  available: geantOpengl,
  packageSets: (ctx) => {
    const sets: PackageSets = {
      'mc-sim-vmc-geant': geantAtoms(ctx),
      'mc-sim-vmc': {
        'sci-physics/vmc': { accept_keywords: TESTING },
        'sci-physics/vgm': { use: ['geant4', 'root'], accept_keywords: TESTING },
        'sci-physics/geant4_vmc': { use: ['g4root', 'vgm'], accept_keywords: TESTING },
      },
    };
    if (ctx.options.science) {
      const science: Record<string, import('binfarm').AtomSpec> = {
        // track fitting (::science replaces the q-crypt-hep git ebuild)
        'sci-physics/genfit': { accept_keywords: TESTING },
      };
      // delphes needs root[opengl]: only when hep-root is built in the graphics variant
      if (ctx.variantOf('hep-root') === 'graphics') {
        science['sci-physics/delphes'] = {
          accept_keywords: TESTING,
          deps: { 'sci-physics/pythia:8': pythiaAtom(), 'sci-physics/fastjet': fastjetAtom() },
        };
      }
      sets['mc-sim-vmc-science'] = science;
    }
    return definePackageSets(sets);
  },
  smoke: (ctx) => [
    { name: 'geant4-config', cmd: ['geant4-config', '--has-feature', 'opengl'], expect: /^yes/ },
    { name: 'VMC libraries in ROOT', cmd: ['root', '-l', '-b', '-q', ctx.contextPath('smoke/vmc_check.C')], expect: /binfarm-vmc-ok/, timeout: 600 },
  ],
});
