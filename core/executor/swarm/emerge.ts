/**
 * The swarm executor's emerge phase (docs/scale-out.md#what-runs-where). The build container on
 * this host holds the applied Portage configuration; then:
 *  1. the emerge argv is made as the local executor makes it (hooks, stale binpkgs excluded), plus
 *     `--getbinpkg`: the job reads the partition through binfarm's endpoint;
 *  2. the build container is committed as the job image and pushed (the parent's layers are
 *     shared), the trees are made available as volumes on every node;
 *  3. the job runs on a node the swarm picks (the subject's resources and placement), with no host
 *     bind mount and no Docker socket; its upload token is a swarm secret, valid for this job only;
 *  4. its uploads are verified and moved into the partition — also after a failed emerge, as the
 *     local executor keeps the binpkgs that did build — and its failed packages' logs into the
 *     run directory, so a failure reads as a local one;
 *  5. the same invocations run here with `--usepkgonly` into the build container, which the package
 *     phase then commits, tests and promotes as for a local build.
 */
import { relative, sep } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import type { FarmContext, SubjectBuild } from '../../types.ts';
import { binhostRoot } from '../../binhost/partition.ts';
import { runLabels } from '../../engine/labels.ts';
import { emergeEnv, emergeSetsArgv, emergeWorldArgv } from '../../emerge/argv.ts';
import { checkProfileArch, ensureBuildUser } from '../../emerge/bootstrap.ts';
import { excludeStaleBinpkgs, exclusionNote, recordBuiltBinpkgs } from '../../emerge/binpkg-reuse.ts';
import { EmergeOutputParser } from '../../emerge/parse-output.ts';
import { addResult, EMERGE_DATA, emptyRecord } from '../../emerge/record.ts';
import { runEmerge } from '../../emerge/run-emerge.ts';
import { emergeFailed } from '../../emerge/failure.ts';
import { ensureBuildContainer, ensurePartition, hostLogDir } from '../../build/build-container.ts';
import { makeJobContext } from './job-context.ts';
import { jobContextFiles } from './job-files.ts';
import { commitJobImage } from './job-image.ts';
import { receiveJobUploads } from './receive.ts';
import { runJob } from './run-job.ts';
import { createSecret, removeSecret } from './services.ts';
import { swarmSession } from './session.ts';
import { treeVolumeMounts } from './tree-volumes.ts';
import { jobCommand, jobEnv, JOB_DONE_LINE, JOB_EXIT_CONFIG, JOB_EXIT_TRANSPORT, JOB_EXIT_TREE, JOB_TOKEN_FILE } from './job-script.ts';
import { nodeTreeDiffers, nodeTreeExpectations } from './node-trees.ts';
import { discardJobUploads } from './incoming.ts';
import { basename } from 'node:path';
import { memoryBytes } from './resources.ts';
import { configAuth } from '../../publish/registry.ts';
import { endPreparationTurn } from '../../run/preparation-turns.ts';

/** Named volume of each node's distfiles (DISTDIR): downloads are shared by the jobs of one node. */
export const DISTFILES_VOLUME = 'binfarm-distfiles';

export async function swarmEmerge(build: SubjectBuild, farm: FarmContext): Promise<string> {
  const { run, subject } = build;
  const o = run.options;
  const session = await swarmSession(run);
  const container = await ensureBuildContainer(build);
  const partition = await ensurePartition(build);
  const partitionRel = relative(binhostRoot(o, run.stateDir), partition).split(sep).join('/');
  const record = emptyRecord();
  build.data.set(EMERGE_DATA, record);
  const env = emergeEnv(o);

  if (subject.parent === null) await checkProfileArch(build, container);
  const invocations: string[][] = [];
  if (subject.parent === null && o.base.updateWorld) invocations.push(emergeWorldArgv(o));
  const sets = Object.keys(subject.sets);
  if (sets.length) invocations.push(emergeSetsArgv(o, sets));
  if (!invocations.length) {
    if (subject.parent === null && (await ensureBuildUser(build, container, o.base.user))) build.progress.output(`created the build user ${o.base.user}`);
    return 'no sets to emerge';
  }
  const hooked = invocations.map((argv) => farm.hooks.emergeArgs.call(argv, build));
  // The job image is the build container as applyPatches left it: committed first, pushed while
  // the stale binpkgs are looked for (a --pretend emerge here, which changes nothing the job needs).
  const { pushed } = await commitJobImage(session, build);
  const jobArgv: string[][] = [];
  for (const argv of hooked) jobArgv.push([...(await excludeStaleBinpkgs(build, container, partition, argv, env)), '--getbinpkg']);

  // Everything the service needs but the image's digest is made while the push is still going.
  const jobId = `${run.runId}-${subject.name}`;
  const binhostUrl = session.endpoint.binhostUrl(partitionRel);
  // The base's world update, when asked, runs first in the same job (the job's container is the base being built).
  // The job script runs `emerge` itself: its argv files hold the arguments.
  const args = jobArgv.map((argv) => (argv[0] === 'emerge' ? argv.slice(1) : argv));
  const [first, last] = args.length > 1 ? [args[0], args[1]!] : [undefined, args[0]!];
  const files = [...(await jobContextFiles(build, binhostUrl)), ...(await nodeTreeExpectations(build, container))];
  const context = await makeJobContext({ argv: last, ...(first ? { first } : {}), files });
  const job = session.endpoint.registerJob(jobId, { partitionRel, context });
  const labels = { ...runLabels({ runId: run.runId, stateDir: run.stateDir }), 'binfarm.subject': subject.name, 'binfarm.role': 'build' };
  const secretName = `binfarm-${jobId}`;
  let secret: string;
  try {
    secret = await createSecret(session.docker, secretName, job.token, labels);
  } catch (e) {
    await session.endpoint.unregisterJob(jobId).catch(() => undefined);
    throw e;
  }
  // After a reported end the service is removed in the background: its secret only once it is gone (in use before).
  let secretGone: Promise<void> | undefined;
  session.engine.onCleanup(() => secretGone ?? removeSecret(session.docker, secret));

  // The nodes pull the job image with the farm's registry credentials (none: the engine's own).
  const auth = o.registry ? configAuth(o.registry) : undefined;
  const parser = new EmergeOutputParser();
  let outcome;
  let serviceGone: Promise<void> = Promise.resolve();
  try {
    const image = await pushed;
    const treeMounts = await treeVolumeMounts(session, build, image);
    // The next subject prepares once this job runs on a node (it fetched its context), not while
    // this host still submits and starts it; with every node busy, one job per node waits ready
    // (core/run/preparation-turns.ts). A job that never starts ends the turn with this phase.
    void job.started.then(() => endPreparationTurn(build));
    outcome = await runJob(session, build, {
      what: `emerge of subject "${subject.name}"`,
      spec: {
        name: `binfarm-${jobId}`,
        image,
        command: jobCommand(),
        env: { ...env, LC_ALL: 'C.UTF-8', ...jobEnv({ url: session.endpoint.url, jobId, pkgdir: o.portage.pkgdir }) },
        mounts: [...treeMounts, { type: 'volume', source: DISTFILES_VOLUME, target: o.portage.distdir }],
        secrets: [{ id: secret, name: secretName, file: basename(JOB_TOKEN_FILE) }],
        labels,
        ...(subject.resources?.cpus ? { cpus: subject.resources.cpus } : {}),
        ...(subject.resources?.memory ? { memoryBytes: memoryBytes(subject.resources.memory) } : {}),
        constraints: subject.placement ?? [],
        network: o.swarm.network,
        ...(auth ? { auth } : {}),
      },
      onLine(line) {
        build.progress.output(line);
        const ev = parser.feed(line);
        if (ev?.type === 'start') build.progress.title(`emerge${ev.binary ? ' binary' : ''} (${ev.n} of ${ev.m}) ${ev.cpv} [swarm job]`);
      },
      ended: { report: job.ended, lastLine: JOB_DONE_LINE },
    });
    serviceGone = outcome.removed;
  } catch (e) {
    // Interrupted, or its node was lost: nothing it uploaded may enter the partition.
    await session.endpoint.unregisterJob(jobId).catch(() => undefined);
    await discardJobUploads(job.incomingDir).catch(() => undefined);
    throw e;
  } finally {
    await session.endpoint.unregisterJob(jobId).catch(() => undefined);
    secretGone = serviceGone.catch(() => undefined).then(() => removeSecret(session.docker, secret));
    secretGone.catch((e: unknown) => build.logger.warn(`could not remove the swarm secret ${secretName}: ${(e as Error).message}`));
  }
  const where = `node ${outcome.nodes.join(', ')}`;
  build.logger.info(`emerge of subject "${subject.name}" ran as a swarm job on ${where}`);

  // What the job printed is what a local emerge prints: the same parser reads it.
  const result = new EmergeOutputParser();
  for (const l of outcome.lines) result.feed(l);
  const jobResult = result.result(outcome.exitCode);
  addResult(record, jobArgv.at(-1)!, jobResult);
  const received = await receiveJobUploads(build, job.incomingDir, partition, hostLogDir(build));
  build.progress.output(`received ${received.length} binpkg${received.length === 1 ? '' : 's'} from the job (verified, moved into ${partitionRel})`);
  if (!outcome.ok && outcome.exitCode === JOB_EXIT_TREE) throw nodeTreeDiffers(subject.name, where, outcome.lines);
  if (!outcome.ok) {
    const inv = { argv: jobArgv.at(-1)!, exitCode: outcome.exitCode ?? 1, result: jobResult, tail: outcome.lines.slice(-40) };
    // A package failed, or emerge stopped before building (a resolver error): as a local emerge fails.
    const transport = outcome.exitCode === JOB_EXIT_TRANSPORT || outcome.exitCode === JOB_EXIT_CONFIG;
    if (jobResult.failed.length || (outcome.exitCode !== undefined && !transport)) await emergeFailed(build, record, inv);
    const why = transport ? `the job could not fetch its context or upload what it built (exit ${outcome.exitCode})` : (outcome.reason ?? 'no reason given');
    throw new BinfarmError('E_EXECUTOR', `the swarm job of subject "${subject.name}" failed on ${where}: ${why}`, {
      hint: transport
        ? `Its lines above say which transfer failed; every node must reach binfarm's endpoint at ${session.endpoint.url} (swarm.listen, swarm.url).`
        : 'Its output is above; `docker node ls` and `docker service ps` on the manager show the cluster side.',
      details: { nodes: outcome.nodes, lines: outcome.lines.slice(-20) },
    });
  }

  // The image is made here, from the parent and the binpkgs (now in the partition's index: receive.ts).
  for (const argv of hooked) {
    const inv = await runEmerge(build, container, usepkgonly(argv), { env });
    if (inv.exitCode !== 0 || inv.result.failed.length) await emergeFailed(build, record, inv);
  }
  await recordBuiltBinpkgs(build, container, partition, record.built);
  if (subject.parent === null && (await ensureBuildUser(build, container, o.base.user))) build.progress.output(`created the build user ${o.base.user}`);
  const n = record.binary.length;
  return `built ${record.built.length}, reused ${n} binary package${n === 1 ? '' : 's'} on ${where}${exclusionNote(build)}`;
}

/** The job's invocation for the build container: install from the partition only, build nothing. */
function usepkgonly(argv: string[]): string[] {
  return argv.filter((a) => a !== '--buildpkg').map((a) => (a === '--usepkg' ? '--usepkgonly' : a));
}
