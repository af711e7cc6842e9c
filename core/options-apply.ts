import type { Farm } from './farm.ts';
import { ApplyPatchesPlugin } from './phases/apply-patches.ts';
import { FetchStage3Plugin } from './phases/fetch-stage3.ts';
import { MountPortagePlugin } from './phases/mount-portage.ts';
import { patchOverwrite } from '@binfarm/plugin-patch-overwrite';
import { patchMerge } from '@binfarm/plugin-patch-merge';
import { patchAppend } from '@binfarm/plugin-patch-append';
import { patchProtect } from '@binfarm/plugin-patch-protect';
import { patchProfile } from '@binfarm/plugin-patch-profile';
import { EmergePlugin, PackagePlugin, PublishPlugin } from './phases/pipeline-plugins.ts';

/**
 * Turns validated options into built-in plugins (webpack's WebpackOptionsApply). Built-ins tap
 * the same public hooks as user plugins and are applied after them, so a user plugin tapping a
 * phase at the default stage runs first and may claim it. Modules imported here must stay
 * light: heavy dependencies (dockerode, listr2) are imported inside taps.
 */
export function applyOptions(farm: Farm): void {
  const builtins: Array<{ name: string; apply(f: Farm): void }> = [];
  // Engine and tree: the base image from the stage3 source, the Portage tree mounted read-only
  builtins.push(new FetchStage3Plugin(), new MountPortagePlugin());
  // Portage: the applyPatches phase and the patch strategies it chooses from
  builtins.push(new ApplyPatchesPlugin(), patchOverwrite(), patchMerge(), patchAppend(), patchProtect(), patchProfile());
  // Pipeline: emerge the sets, package (index, commit, smoke tests, state), publish after success
  builtins.push(new EmergePlugin(), new PackagePlugin(), new PublishPlugin());
  for (const plugin of builtins) farm.apply(plugin);
}
