import type { PortageContext } from '../../types.ts';
import type { ContainerHandle } from '../../engine/types.ts';
import type { SubjectBuild } from '../../run/context.ts';
import { DEFAULT_PROFILE_REPO, PORTAGE_DIR } from '../render/conventions.ts';
import { portageOfBuild } from '../portage-of-build.ts';
import { resolveStrategies, strategyChooser } from '../strategy.ts';
import { executeOps } from './execute.ts';
import { collectOverlayFiles } from './overlays.ts';
import { SUBJECT_CONTEXT_DIR } from '../../subject/types.ts';
import { planApply } from './plan.ts';
import { readImagePaths } from './read-image.ts';

/**
 * The applyPatches phase: the build's /etc/portage (rendered once per build: portage-of-build.ts), read what the build container
 * has, plan every file operation with the chosen strategies (plus the subject's root
 * overlays and build context), and carry the plan out through the Engine API. Applies `build.portage`, the files the key hashes.
 */
export async function applyPatchesToBuild(farm: PortageContext, build: SubjectBuild, opts: { container?: ContainerHandle } = {}): Promise<void> {
  build.progress.title('render /etc/portage');
  const rendered = await portageOfBuild(build, farm);
  // the mountPortage phase mounts repositories where repos.conf must point; they should agree
  for (const [name, location] of Object.entries(build.tree?.repos ?? {})) {
    const entry = rendered.model.repos[name] ?? (location === rendered.model.repos.gentoo?.location ? rendered.model.repos.gentoo : undefined);
    if (entry?.location !== location) {
      build.logger.warn(`repository "${name}" is mounted at ${location}, but repos.conf ${entry ? `says ${entry.location}` : 'has no entry for it'}`);
    }
  }
  const overlays = await collectOverlayFiles(farm.rootDir, build.subject.overlays, build.subject.name);
  // the subject's build context (smoke-test macros, scripts) stays in its image
  if (build.subject.context) overlays.push(...(await collectOverlayFiles(farm.rootDir, [build.subject.context], build.subject.name, SUBJECT_CONTEXT_DIR)));

  build.progress.title('apply /etc/portage');
  const container = opts.container ?? (await buildContainer(build));
  const choose = strategyChooser(farm.options.portage.strategies);
  const readPaths = [PORTAGE_DIR];
  if (rendered.model.profile) readPaths.push((rendered.model.profile.repo ?? DEFAULT_PROFILE_REPO).location);
  for (const f of overlays) {
    if (!f.path.startsWith(`${PORTAGE_DIR}/`) && choose(f.path).strategy !== 'overwrite') readPaths.push(f.path);
  }
  const state = await readImagePaths(container, readPaths);
  const plan = planApply({
    files: rendered.files,
    overlays,
    state,
    strategies: resolveStrategies(farm),
    choose,
    removeStage3Binrepos: rendered.model.removeStage3Binrepos,
  });
  for (const line of plan.log) build.logger.info(line);
  await executeOps(container, plan.ops);
  const summary = `${rendered.files.size} Portage files, ${overlays.length} overlay files: ${plan.ops.length} changes`;
  build.progress.output(summary);
  build.data.set('binfarm:apply-patches', { ops: plan.ops.length, log: plan.log });
}

/** The build container of the pipeline (core/build/build-container.ts, memoised per build), imported lazily. */
async function buildContainer(build: SubjectBuild): Promise<ContainerHandle> {
  const { ensureBuildContainer } = await import('../../build/build-container.ts');
  return ensureBuildContainer(build);
}
