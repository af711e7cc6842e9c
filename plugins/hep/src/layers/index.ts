import type { LayerDefinition, LayerName } from '../types.ts';
import { analysis } from './analysis.ts';
import { devTools } from './dev-tools.ts';
import { hepCore } from './hep-core.ts';
import { hepRoot } from './hep-root.ts';
import { mcGen } from './mc-gen.ts';
import { mcSimVmc } from './mc-sim-vmc.ts';
import { mcSim } from './mc-sim.ts';
import { serving } from './serving.ts';

/** Every HEP layer by name (the DAG of docs/internals/hep-layers.md#layers lives in their `parent` fields). */
export const LAYERS: Readonly<Record<LayerName, LayerDefinition>> = Object.freeze({
  'hep-core': hepCore,
  'hep-root': hepRoot,
  'mc-sim': mcSim,
  'mc-gen': mcGen,
  'mc-sim-vmc': mcSimVmc,
  analysis,
  serving,
  'dev-tools': devTools,
});
