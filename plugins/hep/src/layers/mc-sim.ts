import { definePackageSets } from 'binfarm';
import { geantAtoms } from '../packages.ts';
import { defineLayer } from '../types.ts';

/**
 * L3a mc-sim: Geant4 and its data. It needs no ROOT, so it builds in parallel with hep-root.
 * geant-data is by far the largest binary package (several GB of data sets).
 */
export const mcSim = defineLayer({
  name: 'mc-sim',
  parent: 'hep-core',
  description: 'Geant4 11 with GDML, threads, TBB and its data sets (OpenGL and Qt6 in the graphics variant)',
  variants: ['headless', 'graphics'],
  packageSets: (ctx) => definePackageSets({ 'mc-sim': geantAtoms(ctx) }),
  smoke: (ctx) => [
    { name: 'geant4-config', cmd: ['geant4-config', '--version'], expect: /^11\./ },
    { name: 'geant4 multithreading', cmd: ['geant4-config', '--has-feature', 'multithreading'], expect: /^yes/ },
    { name: 'geant4 gdml', cmd: ['geant4-config', '--has-feature', 'gdml'], expect: /^yes/ },
    { name: 'geant4 data sets', cmd: ['/bin/sh', ctx.contextPath('smoke/geant4-check.sh')], expect: /geant4-data-ok/ },
  ],
});
