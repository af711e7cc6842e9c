/**
 * One swarm job from creation to its end: create the service, show its output as it comes, poll
 * its tasks (and the nodes they run on) until every task has ended, then remove it. The service
 * (and its secret) is also registered as a run cleanup, so Ctrl-C or a crash of another subject
 * removes it; the next run sweeps what a killed process left (core/engine/orphans.ts).
 * Failures are told apart: a rejected task (an image the node cannot pull), a task that waited
 * too long for a node with the resources it reserves, a node that went down under a running
 * task, and a job whose command failed (its exit code; the caller shows its output).
 *
 * A job that reports its own end (`ended`, job-end.ts) with status 0, once its last line came
 * through the followed log, ends the wait without its task's final state, which reaches the
 * manager later; its service is then removed in the background (`removed`; the run's cleanup
 * awaits it too). Until that report every check above still applies, and any other report
 * (a failure) waits for the task as before, so the failure is read from the task and its whole log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BinfarmError } from '../../errors.ts';
import type { SubjectBuild } from '../../types.ts';
import { createJob, FINAL_TASK_STATES, jobTasks, removeJob, serviceLogLines, swarmNodes, type JobSpec, type TaskView } from './services.ts';
import type { SwarmSession } from './session.ts';
import { recentNodes } from './recent-nodes.ts';
import { reportedEnd, type JobEndReport } from './job-end.ts';

const POLL_MS = 150;
/** How long a service whose job reported its end is left for its task to end by itself before it is removed. */
const TASK_END_LIMIT_MS = 30_000;
/** States of a task that has no node or has not started there yet. */
const WAITING = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'starting']);

export interface JobOutcome {
  /** The nodes the job's tasks ran on: `<hostname> (<node id, 12 characters>)`. */
  nodes: string[];
  /** The ids of those nodes. */
  nodeIds: string[];
  /** Every line the job printed (stdout and stderr), from the service log once it ended. */
  lines: string[];
  /** The exit code of the (first failed, else last) task; undefined when no container ran. */
  exitCode: number | undefined;
  ok: boolean;
  /** Why the job failed, in words (task error, rejection, lost node). */
  reason?: string;
  /** Resolves when the service is removed: already removed, except after a reported end (then in the background). */
  removed: Promise<void>;
}

export interface JobRequest {
  /** For messages: `emerge of subject "x"`, `tree volume ...`. */
  what: string;
  spec: JobSpec;
  /** Show the job's lines as they come (progress). */
  onLine?: (line: string) => void;
  /** The job's report of its end (job-end.ts) and its last line on success, which must have come through the followed log. */
  ended?: { report: Promise<JobEndReport>; lastLine: RegExp };
}

export async function runJob(session: SwarmSession, build: SubjectBuild, req: JobRequest): Promise<JobOutcome> {
  const { docker, engine } = session;
  const { run } = build;
  if (run.signal.aborted) throw interrupted(req.what);
  const id = await createJob(docker, req.spec);
  let removing: Promise<void> | undefined;
  const remove = () => (removing ??= removeJob(docker, id));
  engine.onCleanup(remove);
  let follow: { stop(): void } | undefined;
  let background = false;
  try {
    const followed: string[] = [];
    const watch = req.ended ? reportedEnd(req.ended.report, req.ended.lastLine) : undefined;
    if (req.onLine || req.ended) {
      follow = await serviceLogLines(
        docker,
        id,
        (l) => {
          followed.push(l);
          watch?.line(l);
          req.onLine?.(l);
        },
        { follow: true },
      ).catch(() => undefined);
    }
    // Without a followed log the job's lines cannot be known early: the task decides.
    const waited = await waitForTasks(session, build, id, req, follow ? watch?.ended : undefined);
    follow?.stop();
    if (waited.early) {
      const tasks = waited.tasks.some((t) => t.nodeId) ? waited.tasks : await jobTasks(docker, id);
      build.logger.debug(`${req.what}: the job reported its end (status 0); its service is removed in the background`);
      background = true;
      // Not before its task ended by itself: removing a service whose task still runs holds the
      // node's reservation until the task is gone, ~2.5 s longer, and a pending job waits for it.
      const removed = untilTasksEnd(docker, id, () => removing !== undefined).then(remove);
      removed.catch((e: unknown) => build.logger.warn(`could not remove the swarm job ${req.spec.name}: ${(e as Error).message}`));
      return { nodes: await nodeNames(session, tasks), nodeIds: nodeIdsOf(tasks), lines: followed, exitCode: 0, ok: true, removed };
    }
    const tasks = waited.tasks;
    const lines: string[] = [];
    await (
      await serviceLogLines(docker, id, (l) => lines.push(l))
    ).done;
    const nodes = await nodeNames(session, tasks);
    const nodeIds = nodeIdsOf(tasks);
    const failed = tasks.find((t) => t.state !== 'complete');
    const exitCode = (failed ?? tasks.at(-1))?.exitCode;
    const removed = Promise.resolve();
    if (!failed) return { nodes, nodeIds, lines, exitCode, ok: true, removed };
    const reason = failed.state === 'rejected' ? `rejected by its node: ${failed.err ?? failed.message}` : (failed.err ?? `${failed.state}: ${failed.message}`);
    return { nodes, nodeIds, lines, exitCode, ok: false, reason, removed };
  } finally {
    follow?.stop();
    if (!background) await remove().catch((e: unknown) => build.logger.warn(`could not remove the swarm job ${req.spec.name}: ${(e as Error).message}`));
  }
}

/** Polls until every task of the service ended (or `stop()` says the service is being removed anyway), at most TASK_END_LIMIT_MS. */
async function untilTasksEnd(docker: SwarmSession['docker'], id: string, stop: () => boolean): Promise<void> {
  const deadline = Date.now() + TASK_END_LIMIT_MS;
  while (!stop() && Date.now() < deadline) {
    const tasks = await jobTasks(docker, id).catch(() => []);
    if (!tasks.length || tasks.every((t) => FINAL_TASK_STATES.has(t.state))) return;
    await sleep(POLL_MS);
  }
}

function nodeIdsOf(tasks: TaskView[]): string[] {
  return tasks.flatMap((t) => (t.nodeId ? [t.nodeId] : []));
}

/** The tasks once all ended, or (early) the last listing when the job reported its end first. */
async function waitForTasks(
  session: SwarmSession,
  build: SubjectBuild,
  id: string,
  req: JobRequest,
  early: Promise<void> | undefined,
): Promise<{ tasks: TaskView[]; early: boolean }> {
  const { run } = build;
  const started = Date.now();
  const pendingLimit = run.options.swarm.pendingTimeout * 1000;
  let shown = '';
  let reported = false;
  let wake: (() => void) | undefined;
  void early?.then(() => {
    reported = true;
    wake?.();
  });
  let last: TaskView[] = [];
  for (;;) {
    if (run.signal.aborted) throw interrupted(req.what);
    if (reported) return { tasks: last, early: true };
    const tasks = await jobTasks(session.docker, id);
    last = tasks;
    if (tasks.length && tasks.every((t) => FINAL_TASK_STATES.has(t.state))) return { tasks, early: false };
    const waiting = tasks.filter((t) => WAITING.has(t.state) && !t.nodeId);
    if (waiting.length && Date.now() - started > pendingLimit) {
      throw new BinfarmError(
        'E_EXECUTOR',
        `${req.what}: no node took the job within ${run.options.swarm.pendingTimeout} s (${waiting[0]!.message || waiting[0]!.state})`,
        {
          hint: "The job reserves the subject's resources and follows its placement constraints: check `docker node ls` and the subject's resources/placement, or raise swarm.pendingTimeout.",
        },
      );
    }
    const running = tasks.filter((t) => t.nodeId && !FINAL_TASK_STATES.has(t.state));
    if (running.length) {
      const nodes = await recentNodes(session.docker);
      for (const t of running) {
        const node = nodes.find((n) => n.id === t.nodeId);
        if (node && node.state !== 'ready') {
          throw new BinfarmError('E_EXECUTOR', `${req.what}: node ${node.hostname} went ${node.state} while the job ran there (task ${t.state})`, {
            hint: 'Nothing it uploaded enters the binhost; the next run builds the subject again (on a node that is up).',
            details: { node: node.hostname, task: t.id },
          });
        }
      }
      const state = running.map((t) => `${t.state} on ${nodes.find((n) => n.id === t.nodeId)?.hostname ?? t.nodeId}`).join(', ');
      if (state !== shown) build.progress.title(`${req.what}: ${state}`);
      shown = state;
    }
    // The next poll, or at once when the job reports its end or the run is interrupted.
    const tick = new AbortController();
    wake = () => tick.abort();
    run.signal.addEventListener('abort', wake, { once: true });
    await sleep(POLL_MS, undefined, { signal: tick.signal }).catch(() => undefined);
    run.signal.removeEventListener('abort', wake);
    wake = undefined;
  }
}

async function nodeNames(session: SwarmSession, tasks: TaskView[]): Promise<string[]> {
  const nodes = await swarmNodes(session.docker).catch(() => []);
  return tasks.map((t) => (t.nodeId ? `${nodes.find((n) => n.id === t.nodeId)?.hostname ?? 'node'} (${t.nodeId.slice(0, 12)})` : 'no node'));
}

function interrupted(what: string): BinfarmError {
  return new BinfarmError('E_INTERRUPTED', `${what} was interrupted; its swarm job is removed`);
}
