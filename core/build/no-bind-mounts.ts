/**
 * The build container's mounts on an engine that is not on this machine (docs/scale-out.md#remote-single-engines):
 * nothing of this host can be bound, so PKGDIR and PORTAGE_LOGDIR are volumes of the run on that
 * engine (binfarm takes the binpkgs and logs out through the archive API: core/executor/remote/),
 * DISTDIR is the engine's shared distfiles volume, and the trees are what the mount strategy made
 * there (volumes). Being mounts, none of them enters the committed image, as with the binds.
 */
import type { Engine, MountSpec } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';

/** The engine's distfiles volume (as on swarm nodes): downloads are shared by the builds of that engine. */
export const REMOTE_DISTFILES_VOLUME = 'binfarm-distfiles';

export async function noBindMounts(build: SubjectBuild, engine: Engine, logDir: string): Promise<MountSpec[]> {
  const o = build.run.options;
  const base = `binfarm-${build.run.runId}-${build.subject.name}`;
  // Run volumes: labelled with the run, removed by its cleanup (and by the sweep of a killed run).
  const pkgdir = await engine.createVolume(`${base}-pkgdir`);
  const logs = await engine.createVolume(`${base}-logs`);
  const distfiles = (await engine.listVolumes({ name: [REMOTE_DISTFILES_VOLUME] })).some((v) => v.name === REMOTE_DISTFILES_VOLUME)
    ? REMOTE_DISTFILES_VOLUME
    : await engine.createVolume(REMOTE_DISTFILES_VOLUME, { cache: 'distfiles' });
  return [
    ...(build.tree?.mounts ?? []),
    { type: 'volume', source: pkgdir, target: o.portage.pkgdir },
    { type: 'volume', source: distfiles, target: o.portage.distdir },
    { type: 'volume', source: logs, target: logDir },
  ];
}
