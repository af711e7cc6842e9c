/**
 * How a subject's emerge ends when it does not succeed: a failed emerge (the log tails shown, the
 * attempt recorded, the failed state kept when asked) and Ctrl-C (the attempt recorded as
 * interrupted). Every executor ends the same way (core/emerge/emerge-subject.ts, and the swarm's
 * jobs in core/executor/swarm/emerge.ts once their logs are in the same place).
 */
import { BinfarmError } from '../errors.ts';
import type { SubjectBuild } from '../run/context.ts';
import { recordAttempt } from '../plan/state.ts';
import { explainLog, hostLogPath } from './log-tail.ts';
import type { EmergeRecord } from './record.ts';
import type { EmergeInvocation } from './run-emerge.ts';
import { CONTAINER_LOGDIR, hostLogDir, releaseBuildContainer, restoreChanges } from '../build/build-container.ts';

/**
 * Fails the subject for a failed emerge: the first error and the end of each failing package's
 * log (read from the host log directory), the attempt recorded in the state directory.
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
    (snapshot
      ? ` The failed build was saved as ${snapshot}: \`binfarm shell --failed ${subject.name}\` opens a shell in it with the tree and binhost mounted.`
      : '');
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
export async function stopOnInterrupt(build: SubjectBuild, record: EmergeRecord): Promise<void> {
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
