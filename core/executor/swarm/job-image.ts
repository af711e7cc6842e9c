/**
 * The image a subject's job starts from: its build container committed after applyPatches (the
 * parent image plus the rendered /etc/portage, overlays and context — everything the local build
 * would emerge in; the tree, binhost, distfiles and logs are mounts and so not in it), pushed to
 * `registry.url` and pulled by the node by digest. The parent's layers are shared: a node pulls
 * them once. Its `binfarm.key` labels are emptied, as for a kept failed build
 * (core/emerge/failure.ts): inherited from the parent, they would make the planner take it for the parent.
 * Nodes keep what they pulled; `binfarm.job` marks it for pruning (docs/scale-out.md#what-piles-up).
 */
import { BinfarmError } from '../../errors.ts';
import { IMAGE_LABEL } from '../../plan/image-labels.ts';
import { configAuth, registryRepository } from '../../publish/registry.ts';
import type { SubjectBuild } from '../../types.ts';
import { ensureBuildContainer } from '../../build/build-container.ts';
import type { SwarmSession } from './session.ts';

/**
 * Commits `<registry.url>/<subject>:job-<runId>` now and starts its push: `pushed` resolves to
 * `<repo>@sha256:…`. The caller does its other work (the stale-binpkg check) while the layers go
 * up; a failed push rejects `pushed` (handled there, so it is never an unhandled rejection meanwhile).
 */
export async function commitJobImage(session: SwarmSession, build: SubjectBuild): Promise<{ pushed: Promise<string> }> {
  const { run, subject } = build;
  const registry = run.options.registry!;
  const repo = registryRepository(registry, subject.name);
  const tag = `job-${run.runId}`;
  const container = await ensureBuildContainer(build);
  build.progress.title(`commit the job image ${repo}:${tag}`);
  const id = await container.commit({
    repo,
    tag,
    labels: {
      [IMAGE_LABEL.owned]: '1',
      [IMAGE_LABEL.subject]: subject.name,
      [IMAGE_LABEL.key]: '',
      [IMAGE_LABEL.tested]: '',
      [IMAGE_LABEL.binpkgs]: '',
      // What a node's `docker image prune --filter label=binfarm.job` takes: job images and nothing else.
      [IMAGE_LABEL.job]: run.runId,
    },
    comment: `binfarm job image of ${subject.name} (run ${run.runId})`,
  });
  // Only the registry copy is needed from here on; the local tag goes with the run.
  session.engine.onCleanup(() => session.engine.removeImage(`${repo}:${tag}`).catch(() => undefined));
  const pushed = push(session, build, repo, tag, id);
  pushed.catch(() => undefined);
  return { pushed };
}

async function push(session: SwarmSession, build: SubjectBuild, repo: string, tag: string, id: string): Promise<string> {
  const registry = build.run.options.registry!;
  build.progress.output(`push ${repo}:${tag}`);
  const auth = configAuth(registry);
  const pushed = await session.engine.push(`${repo}:${tag}`, { ...(auth ? { auth } : {}), onProgress: (l) => build.progress.output(l) });
  if (!pushed.digest) {
    throw new BinfarmError('E_EXECUTOR', `pushing ${repo}:${tag} to ${registry.url} gave no digest`, {
      hint: 'The nodes pull the job image by digest; check that the registry is reachable and accepts pushes (`docker push` from this host).',
    });
  }
  build.logger.debug(`job image ${id.slice(0, 19)} pushed as ${repo}@${pushed.digest}`);
  return `${repo}@${pushed.digest}`;
}
