import type { Plugin } from './types.ts';
import { ApplyPatchesPlugin } from './phases/apply-patches.ts';
import { EmergePlugin } from './phases/emerge.ts';
import { ExecutorsPlugin } from './executor/registry.ts';
import { FetchStage3Plugin } from './phases/fetch-stage3.ts';
import { MountPortagePlugin } from './phases/mount-portage.ts';
import { PackagePlugin } from './phases/package.ts';
import { PublishPlugin } from './phases/publish.ts';
import { PatchStrategiesPlugin } from './portage/strategies/index.ts';
import { MountStrategiesPlugin } from './tree/mount/registry.ts';

/**
 * binfarm's built-in plugins (createFarm applies them after the user's): the six phases and the patch and mount strategies. Every
 * built-in is always applied; none is chosen here from the options: each reads the options it
 * needs when its phase runs (e.g. `mount.strategy`, `portage.strategies`). Built-ins tap the same public
 * hooks as user plugins and are applied after them, so a user plugin tapping a phase at the
 * default stage runs first and may claim it. Modules imported here must stay light: heavy
 * dependencies (dockerode, listr2) are imported inside taps.
 */
export function builtinPlugins(): Plugin[] {
  const builtins: Plugin[] = [];
  // Engine and tree: the base image from the stage3 source, the Portage tree mounted read-only by a mount strategy
  builtins.push(new FetchStage3Plugin(), new MountStrategiesPlugin(), new MountPortagePlugin());
  // Portage: the applyPatches phase and the patch strategies it chooses from
  builtins.push(new PatchStrategiesPlugin(), new ApplyPatchesPlugin());
  // Pipeline: the executors (where emerge runs), emerge the sets, package (index, commit, smoke tests, state), publish after success
  builtins.push(new ExecutorsPlugin(), new EmergePlugin(), new PackagePlugin(), new PublishPlugin());
  return builtins;
}
