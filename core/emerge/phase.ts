/**
 * The emerge phase (built-in plugin): in the subject's build container, the base bootstrap
 * (profile check, `emerge -uDN @world` when asked, the build user) and then `emerge` of the
 * subject's sets with binpkgs built and reused. Any failed package fails the subject; the
 * binpkgs that did get built stay in the partition for the next run.
 */
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import type { SubjectBuild } from '../run/context.ts';
import { recordAttempt } from '../plan/state.ts';
import { emergeEnv, emergeSetsArgv, emergeWorldArgv } from './argv.ts';
import { checkProfileArch, ensureBuildUser } from './bootstrap.ts';
import { explainLog, hostLogPath } from './log-tail.ts';
import { EmergeOutputParser } from './parse-output.ts';
import { addResult, EMERGE_DATA, emptyRecord, type EmergeRecord } from './record.ts';
import { runEmerge, type EmergeInvocation } from './run-emerge.ts';
import { excludeStaleBinpkgs, exclusionNote, recordBuiltBinpkgs } from './binpkg-reuse.ts';
import { CONTAINER_LOGDIR, ensureBuildContainer, ensurePartition, hostLogDir, releaseBuildContainer, restoreChanges } from '../build/build-container.ts';

export async function emergePhase(farm: FarmContext, build: SubjectBuild): Promise<string> {
  const { subject, run } = build;
  const o = run.options;
  const container = await ensureBuildContainer(build);
  const record = emptyRecord();
  build.data.set(EMERGE_DATA, record);
  const env = emergeEnv(o);
  const partition = await ensurePartition(build);

  const emerge = async (argv: string[]): Promise<void> => {
    const parser = new EmergeOutputParser();
    let inv: EmergeInvocation;
    try {
      const hooked = farm.hooks.emergeArgs.call(argv, build);
      inv = await runEmerge(build, container, await excludeStaleBinpkgs(build, container, partition, hooked, env), { env, parser });
    } catch (e) {
      if (run.signal.aborted || (e as { code?: string }).code === 'E_INTERRUPTED') {
        addResult(record, argv, parser.result(undefined));
        await stopOnInterrupt(build, record);
        throw new BinfarmError('E_INTERRUPTED', `emerge of subject "${subject.name}" was interrupted`, { cause: e, details: { ...record } });
      }
      throw e;
    }
    addResult(record, inv.argv, inv.result);
    // Portage writes its per-package logs 0660 as portage:portage (uid 250): make them readable
    // by whoever ran binfarm, since the errors point to them.
    await container.exec(['chmod', '-R', 'a+rX', CONTAINER_LOGDIR]).catch(() => undefined);
    await recordBuiltBinpkgs(build, container, partition, inv.result.built);
    if (inv.exitCode !== 0 || inv.result.failed.length) await emergeFailed(build, record, inv);
  };

  if (subject.parent === null) {
    await checkProfileArch(build, container);
    if (o.base.updateWorld) await emerge(emergeWorldArgv(o));
  }
  const sets = Object.keys(subject.sets);
  if (sets.length) await emerge(emergeSetsArgv(o, sets));
  if (subject.parent === null && (await ensureBuildUser(build, container, o.base.user))) {
    build.progress.output(`created the build user ${o.base.user}`);
  }
  if (!record.invocations.length) return 'no sets to emerge';
  return `built ${record.built.length}, reused ${record.binary.length} binary package${record.binary.length === 1 ? '' : 's'}${exclusionNote(build)}`;
}

/**
 * Fails the subject for a failed emerge: the first error and the end of each failing package's
 * log (read from the host log directory), the attempt recorded in the state directory. The swarm
 * executor uses it too, once the job's logs are in the same place (core/executor/swarm/emerge.ts).
 */
export async function emergeFailed(build: SubjectBuild, record: EmergeRecord, inv: EmergeInvocation): Promise<never> {
  const { subject, run } = build;
  const logDir = hostLogDir(build);
  const shown: string[] = [];
  for (const f of inv.result.failed) {
    const host = f.logFile ? hostLogPath(f.logFile, CONTAINER_LOGDIR, logDir) : undefined;
    shown.push(`${f.cpv}${host ? ` (log: ${host})` : f.logFile ? ` (log in the container: ${f.logFile})` : ''}`);
    const tail = host ? await explainLog(host, 30) : undefined;
    if (tail) {
      build.progress.output(`--- ${host} (the first error and the end) ---`);
      for (const l of tail) build.progress.output(l);
      build.progress.output('---');
    }
  }
  for (const d of inv.result.dropped) shown.push(`${d.cpv} (dropped: ${d.why})`);
  await recordAttempt(run.stateDir, subject.name, {
    status: 'failed',
    runId: run.runId,
    at: new Date().toISOString(),
    ...(build.key ? { key: build.key } : {}),
    built: record.built,
    binary: record.binary,
    failed: record.failed.map((f) => f.cpv),
  });
  // Only a build container that ran the emerge holds the failed state (not the swarm's, whose emerge ran in a job).
  const snapshot = run.options.run.keepFailed && run.options.run.executor === 'local' ? await keepFailedState(build) : undefined;
  await releaseBuildContainer(build).catch(() => undefined);
  const kept =
    (record.built.length ? ` The ${record.built.length} package(s) that did build are kept as binpkgs for the next run.` : '') +
    (snapshot ? ` The failed build was saved as ${snapshot}: \`binfarm shell --failed ${subject.name}\` opens a shell in it with the tree and binhost mounted.` : '');
  if (inv.result.failed.length) {
    throw new BinfarmError('E_EMERGE', `emerge failed for subject "${subject.name}": ${inv.result.failed.length} package(s) failed:\n  ${shown.join('\n  ')}`, {
      hint: `The first error and the end of each failing package's build log are shown with this message; full logs are in ${logDir}.${kept}`,
      details: { failed: inv.result.failed, dropped: inv.result.dropped, built: record.built, binary: record.binary, exitCode: inv.exitCode },
    });
  }
  // A resolver error (masked or missing package, conflict) names no failed package: show emerge's words.
  const why = inv.tail.filter((l) => l.trim()).slice(-15);
  throw new BinfarmError(
    'E_EMERGE',
    `emerge exited with status ${inv.exitCode} for subject "${subject.name}" before building anything that failed:\n  ${why.join('\n  ')}`,
    {
      hint: `Usually an atom, USE or keyword problem in the subject's sets; \`binfarm render ${subject.name} --out DIR\` shows the /etc/portage it used.${kept}`,
      details: { argv: inv.argv, exitCode: inv.exitCode },
    },
  );
}

/**
 * run.keepFailed: the build container goes away with the run, so its state is committed as
 * `<imagePrefix>/<subject>:failed-<runId>`. Its `binfarm.key` is emptied: the label it inherits
 * from the parent image would otherwise make the planner take it for the parent.
 */
async function keepFailedState(build: SubjectBuild): Promise<string | undefined> {
  const c = build.container;
  if (!c) return undefined;
  const repo = `${build.run.options.imagePrefix}/${build.subject.name}`;
  const tag = `failed-${build.run.runId}`;
  try {
    await c.commit({
      repo,
      tag,
      labels: { 'binfarm.owned': '1', 'binfarm.failed': build.run.runId, 'binfarm.subject': build.subject.name, 'binfarm.key': '', 'binfarm.binpkgs': '' },
      changes: await restoreChanges(build),
    });
    return `${repo}:${tag}`;
  } catch (e) {
    build.logger.warn(`could not keep the failed build container: ${(e as Error).message}`);
    return undefined;
  }
}

/** Ctrl-C during emerge: stop the container (nothing more is built), record what got done. */
async function stopOnInterrupt(build: SubjectBuild, record: EmergeRecord): Promise<void> {
  await recordAttempt(build.run.stateDir, build.subject.name, {
    status: 'interrupted',
    runId: build.run.runId,
    at: new Date().toISOString(),
    ...(build.key ? { key: build.key } : {}),
    built: record.built,
    binary: record.binary,
    failed: record.failed.map((f) => f.cpv),
    message: record.incomplete.length ? `interrupted while building ${record.incomplete.join(', ')}` : 'interrupted',
  }).catch(() => undefined);
  await releaseBuildContainer(build).catch(() => undefined);
}
