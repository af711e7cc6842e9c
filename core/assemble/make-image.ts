/**
 * The image step of an assembly: the labels that say what the image is made of, the SBOM in the
 * ROOT, then a commit of the assembly container, or with --slim an import of the ROOT alone
 * (slim-image.ts).
 */
import type { ContainerHandle, Engine } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { restoreChanges } from '../build/build-container.ts';
import { IMAGE_LABEL } from '../plan/image-labels.ts';
import { LABEL } from '../engine/labels.ts';
import { shortKey } from '../plan/key.ts';
import { addAssemblySbom } from '../sbom/assembly-sbom.ts';
import { ASSEMBLE_ROOT } from './argv.ts';
import type { CheckResult } from './check-binpkgs.ts';
import { ASSEMBLY_LABEL, assemblyLabels } from './labels.ts';
import { readIndex } from './partition-index.ts';
import type { AssemblyBase } from './resolve-from.ts';
import { importRoot } from './slim-image.ts';
import type { AssemblySpec } from './spec.ts';

export async function makeImage(
  engine: Engine,
  build: SubjectBuild,
  container: ContainerHandle,
  spec: AssemblySpec,
  base: AssemblyBase,
  check: CheckResult,
  key: string,
): Promise<{ ref: string; id: string }> {
  const o = build.run.options;
  const repo = `${o.imagePrefix}/${spec.name}`;
  const tag = shortKey(key);
  const labels: Record<string, string> = {
    ...assemblyLabels(spec, base, check, await readIndex(base.partition.dir), key),
    [ASSEMBLY_LABEL.builtBy]: build.run.runId,
    'org.opencontainers.image.created': new Date().toISOString(),
  };
  // Into the ROOT before the image is made, so every way of making it carries the SBOM (core/sbom/assembly-sbom.ts).
  Object.assign(
    labels,
    (await addAssemblySbom(build, container, { name: spec.name, repo, root: spec.slim ? ASSEMBLE_ROOT : '', partitionDir: base.partition.dir })).labels,
  );
  if (!spec.slim) {
    build.progress.title(`commit ${repo}:${tag}`);
    const inherited = (await engine.inspectImage(base.image.id))?.labels ?? {};
    // The Portage that merged the packages is the from-image's: that label stays true.
    const portage = inherited[IMAGE_LABEL.portageVersion];
    if (portage) labels[IMAGE_LABEL.portageVersion] = portage;
    const cleared = clearedLabels([...Object.keys(inherited), ...CONTAINER_LABELS], labels);
    const id = await container.commit({
      repo,
      tag,
      labels: { ...cleared, ...labels },
      changes: await restoreChanges(build),
      comment: `binfarm assemble ${spec.name} from ${spec.from}`,
    });
    return { ref: `${repo}:${tag}`, id };
  }
  build.progress.title(`import ${ASSEMBLE_ROOT} as ${repo}:${tag}`);
  // A shell in the ROOT makes `docker run <image>` useful; without one the image has no CMD.
  const sh = await container.exec(['ls', '-d', `${ASSEMBLE_ROOT}/bin/sh`]);
  const info = await importRoot(engine, container, { repo, tag }, labels, sh.exitCode === 0 ? ['CMD ["/bin/sh"]'] : []);
  return { ref: `${repo}:${tag}`, id: info.id };
}

/** Labels the build container carries (engine run labels, build-container.ts), which a commit keeps. */
const CONTAINER_LABELS = [LABEL.run, LABEL.host, LABEL.state, IMAGE_LABEL.subject, 'binfarm.role'];

/**
 * A commit keeps the labels of the from-image and of the container, and Docker cannot delete a
 * label, only set it. binfarm's own are blanked: an assembled image must not pass for its subject's
 * image (`binfarm.key`, `binfarm.subject`), and a user's container started from it must never look
 * like a leftover of a binfarm run to the orphan sweep (`binfarm.run`, `binfarm.host`, `binfarm.state`).
 */
export function clearedLabels(keys: Iterable<string>, keep: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (k.startsWith('binfarm.') && !(k in keep)) out[k] = '';
  return out;
}
