/**
 * The build container of a subject: started once per build (memoised), from the subject's base
 * image, with the tree mounted read-only, PKGDIR bound to the binhost partition, DISTDIR to the
 * shared distfiles cache and PORTAGE_LOGDIR to the run directory. Those are mounts, so a commit
 * of the container never contains them. applyPatches, emerge and package all exec in it. On an
 * engine that is not on this machine they are volumes there instead (no-bind-mounts.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle, MountSpec } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { binhostRoot, partitionOf } from '../binhost/partition.ts';
import { reconcileOnce } from '../binhost/reconcile.ts';
import { farmOf, KEY_DATA, type KeyData } from '../plan/key.ts';
import { portageOfBuild } from '../portage/portage-of-build.ts';
import { signingMounts } from '../signing/container-mounts.ts';
import { noBindMounts } from './no-bind-mounts.ts';

/** Where Portage writes build logs inside the container (make.conf PORTAGE_LOGDIR, core/portage). */
export const CONTAINER_LOGDIR = '/var/log/portage';

/** A long-lived PID 1 that exits at once on `docker stop` (a plain `sleep` would wait 10 s for SIGKILL). */
const IDLE = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

const MEMO = 'binfarm:build-container';

interface Memo {
  handle: Promise<ContainerHandle>;
  /** What the base image ran by default, restored when the container is committed. */
  restore: Promise<string[]>;
}

/** Host directory of this subject's Portage build logs in the run directory. */
export function hostLogDir(build: SubjectBuild): string {
  return join(build.run.runDir, 'portage-logs', build.subject.name);
}

/** Host directory of the shared distfiles cache. */
export function hostDistDir(build: SubjectBuild): string {
  return join(build.run.cacheDir, 'distfiles');
}

/** The binhost partition of the build (from its Portage model); sets build.partition. */
export async function ensurePartition(build: SubjectBuild): Promise<string> {
  if (build.partition) return build.partition;
  const known = build.data.get(KEY_DATA) as KeyData | undefined;
  let dir = known?.partition.dir;
  if (!dir) {
    let model = build.portage?.model;
    if (!model) {
      const farm = farmOf(build.run);
      if (!farm) throw new BinfarmError('E_INTERNAL', 'the binhost partition needs the Portage model: set RunContext.farm or build.portage first');
      model = (await portageOfBuild(build, farm)).model;
    }
    dir = partitionOf(build.run.options, build.run.stateDir, model).dir;
  }
  build.partition = dir;
  return dir;
}

export function ensureBuildContainer(build: SubjectBuild): Promise<ContainerHandle> {
  let memo = build.data.get(MEMO) as Memo | undefined;
  if (!memo) {
    const started = start(build);
    memo = { handle: started.then((s) => s.handle), restore: started.then((s) => s.restore) };
    build.data.set(MEMO, memo);
    // A failed start must not be memoised: the next call tries again. (The callers of
    // ensureBuildContainer see the error; these handlers only keep Node from calling it unhandled.)
    memo.handle.catch(() => build.data.delete(MEMO));
    memo.restore.catch(() => undefined);
  }
  return memo.handle;
}

/**
 * Set in `build.data` by a caller that only reads binpkgs (assemble): the partition is bound
 * read-only, so Portage can neither rewrite its index nor rename a binpkg that fails its digest.
 */
export const PKGDIR_READONLY = 'binfarm:pkgdir-readonly';

function pkgdirReadOnly(build: SubjectBuild): boolean {
  return build.data.get(PKGDIR_READONLY) === true;
}

/** Commit `changes` that give the committed image the base image's Cmd/Entrypoint back. */
export async function restoreChanges(build: SubjectBuild): Promise<string[]> {
  const memo = build.data.get(MEMO) as Memo | undefined;
  return memo ? memo.restore : [];
}

/** Removes the build container (at the end of the subject; engine cleanup covers crashes). */
export async function releaseBuildContainer(build: SubjectBuild): Promise<void> {
  const memo = build.data.get(MEMO) as Memo | undefined;
  if (!memo) return;
  build.data.delete(MEMO);
  const handle = await memo.handle.catch(() => undefined);
  if (!handle) return;
  await handle.remove();
  if (build.container === handle) delete build.container;
}

async function start(build: SubjectBuild): Promise<{ handle: ContainerHandle; restore: string[] }> {
  const { run, subject } = build;
  const o = run.options;
  if (!build.baseImage) {
    throw new BinfarmError('E_INTERNAL', `subject "${subject.name}" has no base image to start its build container from`, {
      hint: subject.parent === null ? 'The fetchStage3 phase sets build.baseImage for the base.' : `The parent "${subject.parent}" must be built (or up to date) first.`,
    });
  }
  if (!build.tree) {
    throw new BinfarmError('E_INTERNAL', `subject "${subject.name}" has no tree mounts`, { hint: 'The mountPortage phase sets build.tree before the build container starts.' });
  }
  const engine = await run.engine();
  // Only a build goes without binds (its emerge takes the binpkgs out itself: core/executor/remote/); shell and assemble read the partition.
  if (!engine.local && (run.command === 'shell' || run.command === 'assemble')) {
    throw new BinfarmError('E_DOCKER', `the Docker engine at ${engine.host} is not on this machine; \`binfarm ${run.command}\` binds the binhost partition into its container`, {
      hint: 'Run it on the Docker host (or point DOCKER_HOST at the local engine); `binfarm run` builds on a remote engine (docs/scale-out.md#remote-single-engines).',
    });
  }
  if (!engine.local && o.binhost.signing) {
    throw new BinfarmError('E_DOCKER', `the Docker engine at ${engine.host} is not on this machine, and binhost.signing needs the binhost partition bound into the build container`, {
      hint: 'Run binfarm on the Docker host (or point DOCKER_HOST at the local engine) to sign binpkgs; builds on a remote engine do not sign yet (docs/scale-out.md#remote-single-engines).',
    });
  }
  const partition = await ensurePartition(build);
  const logDir = hostLogDir(build);
  const distDir = hostDistDir(build);
  await Promise.all([partition, logDir, distDir].map((d) => mkdir(d, { recursive: true })));
  // Before Portage builds in the partition: bad binpkgs are quarantined, never silently dropped.
  // An assembly only reads the binhost and never changes it, nor does anything given a read-only partition (shell).
  if (run.command !== 'assemble' && !pkgdirReadOnly(build)) {
    build.progress.title('verify the binhost partition');
    await reconcileOnce(run, partition, relative(binhostRoot(o, run.stateDir), partition).split(sep).join('/'));
  }

  const info = await engine.inspectImage(build.baseImage.ref);
  const entrypoint = info?.config?.entrypoint ?? null;
  const cmd = info?.config?.cmd ?? null;
  const restore = [entrypoint ? `ENTRYPOINT ${JSON.stringify(entrypoint)}` : undefined, `CMD ${JSON.stringify(cmd ?? ['/bin/sh'])}`].filter((x): x is string => !!x);

  // An engine elsewhere sees none of this host's paths: volumes on it instead (no-bind-mounts.ts).
  const mounts: MountSpec[] = !engine.local
    ? await noBindMounts(build, engine, CONTAINER_LOGDIR)
    : [
        ...build.tree.mounts,
        { type: 'bind', source: partition, target: o.portage.pkgdir, ...(pkgdirReadOnly(build) ? { readOnly: true } : {}) },
        { type: 'bind', source: distDir, target: o.portage.distdir },
        { type: 'bind', source: logDir, target: CONTAINER_LOGDIR },
        ...(await signingMounts(o.binhost.signing, run.rootDir, run.stateDir)),
      ];
  build.progress.title(`start build container from ${build.baseImage.ref}`);
  const handle = await engine.start({
    image: build.baseImage.ref,
    // Without an entrypoint in the image, overriding Cmd is enough and the commit keeps none.
    ...(entrypoint ? { entrypoint: IDLE, cmd: [] } : { cmd: IDLE }),
    mounts,
    ...(o.portage.grantPtrace ? { capAdd: ['SYS_PTRACE'] } : {}),
    labels: { 'binfarm.subject': subject.name, 'binfarm.role': 'build' },
    name: `binfarm-${run.runId}-${subject.name}`,
    env: { LC_ALL: 'C.UTF-8' },
    // On a remote engine, emerge reads the binhost from binfarm's endpoint (swarm.network, as jobs do).
    ...(!engine.local ? { network: o.swarm.network } : {}),
  });
  engine.onCleanup(() => handle.remove());
  build.container = handle;
  // userpriv/userfetch run as portage: let its group write the bound directories (docs/internals/gentoo.md#docker).
  const dirs = [...(pkgdirReadOnly(build) ? [] : [o.portage.pkgdir]), o.portage.distdir, CONTAINER_LOGDIR];
  const chgrp = await handle.exec(['chgrp', 'portage', ...dirs]).catch(() => undefined);
  if (chgrp?.exitCode === 0) await handle.exec(['chmod', 'g+rwxs', ...dirs]).catch(() => undefined);
  else build.logger.debug(`could not give group portage the bound directories: ${chgrp?.stderr.trim() ?? 'exec failed'}`);
  return { handle, restore };
}
