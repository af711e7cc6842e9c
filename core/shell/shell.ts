/**
 * `binfarm shell <subject>`: a container from the subject's current image (or, with `failed`, the
 * build kept by `run.keepFailed`) with the tree and overlays mounted by the mountPortage hook and
 * the binhost partition bound as PKGDIR, as in a build: it is the build container of
 * core/phases/build-container.ts, started by the same code. The partition is bound read-only: a
 * look inside must never change the binhost whose content the runs verify (an `emerge` in the
 * shell can still read every binpkg; to build one, point PKGDIR elsewhere). The user's command
 * (default: bash, else sh) runs as an interactive exec (core/engine/interactive-exec.ts); the
 * container and the tree mounts are removed when it exits, whatever the exit, through the
 * engine's cleanup (and by the next run's orphan sweep if this process is killed). A shell is
 * not a run: its run directory (where the build container's mounts expect one) is removed at the
 * end, so `binfarm runs` never lists it; its warnings and errors go to stderr.
 */
import { rm } from 'node:fs/promises';
import { BinfarmError } from '../errors.ts';
import type { FarmContext } from '../types.ts';
import { createLogger, formatLogArgs, type LogType } from '../log/logger.ts';
import { ensureBuildContainer, PKGDIR_READONLY } from '../build/build-container.ts';
import type { SubjectBuild } from '../run/context.ts';
import { createRunContext } from '../run/create-run-context.ts';
import { createRunId } from '../run/run-id.ts';
import type { InteractiveIo } from '../engine/interactive-exec.ts';
import { currentImage, failedImage } from './shell-image.ts';

export interface ShellOptions {
  /** The kept failed build instead of the current image. */
  failed?: boolean;
  /** The command to run; empty: an interactive login shell. */
  argv: string[];
  io: Omit<InteractiveIo, 'signal'>;
  signal: AbortSignal;
}

/** Opens the shell; resolves to the exit code of the command run in it. */
export async function openShell(farm: FarmContext, name: string, opts: ShellOptions): Promise<number> {
  const subject = farm.subject(name);
  const { run, engineIfCreated } = createRunContext({
    farm,
    runId: createRunId(),
    command: 'shell',
    publish: false,
    signal: opts.signal,
    logger: createLogger('binfarm:shell', (o, t, a) => sink(o, t, a)),
    engine: async (r) => (await import('../run/collaborators.ts')).defaultCollaborators.engine(r),
  });
  const sink = (origin: string, type: LogType, args: unknown[]) => {
    if (type === 'warn' || type === 'error') opts.io.stderr.write(`${type}: [${origin}] ${formatLogArgs(args)}\n`);
  };
  try {
    const image = opts.failed ? await failedImage(farm, await run.engine(), name) : await currentImage(() => run.engine(), run.stateDir, name);
    const engine = await run.engine();
    const build: SubjectBuild = {
      run,
      subject,
      parent: undefined,
      logger: createLogger(name, sink),
      progress: { output: () => undefined, title: () => undefined },
      logFile: '',
      baseImage: { ref: image.ref, digest: image.id },
      ...(image.partitionDir ? { partition: image.partitionDir } : {}),
      phases: [],
      data: new Map<string, unknown>([[PKGDIR_READONLY, true]]),
    };
    await farm.hooks.mountPortage.promise(build);
    if (!build.tree) {
      throw new BinfarmError('E_MOUNT', `the mountPortage hook did not mount the tree for the shell of subject "${name}"`, {
        hint: 'A plugin claimed mountPortage without setting build.tree.',
      });
    }
    const container = await ensureBuildContainer(build);
    const argv = opts.argv.length ? opts.argv : await defaultShell(build);
    if (opts.io.tty) {
      opts.io.stderr.write(
        `binfarm: shell in the ${image.what}: tree mounted, binhost partition read-only at ${run.options.portage.pkgdir}; the container is removed on exit\n`,
      );
    }
    const { interactiveExec } = await import('../engine/interactive-exec.ts');
    return await interactiveExec(engine, container.id, argv, { ...opts.io, signal: opts.signal });
  } finally {
    try {
      await engineIfCreated()?.then((e) => e.cleanup());
    } finally {
      await rm(run.runDir, { recursive: true, force: true });
    }
  }
}

/** bash when the image has it (a Gentoo stage3 does), else POSIX sh. */
async function defaultShell(build: SubjectBuild): Promise<string[]> {
  const probe = await build.container!.exec(['test', '-x', '/bin/bash']).catch(() => undefined);
  return probe?.exitCode === 0 ? ['/bin/bash', '-l'] : ['/bin/sh', '-l'];
}
