/**
 * The package phase (built-in plugin): regenerate the partition's `Packages` index in the build
 * container (`emaint binhost --fix`), verify it from TypeScript, refuse unmerged config updates,
 * commit the container pending with its labels (the tree, distfiles and binpkgs are mounts and
 * so not in the image), run the smoke tests, promote it to `<imagePrefix>/<subject>:<key12>` —
 * a subject without smoke tests is committed promoted at once — and only then record the build
 * in the state directory.
 */
import type { FarmContext } from '../types.ts';
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { binhostRoot } from '../binhost/partition.ts';
import { binpkgsOf } from '../binhost/subject-packages.ts';
import { verifyIndex } from '../binhost/verify-index.ts';
import { verifyCacheDir } from '../binhost/verify-cache.ts';
import { BINPKGS_IN_PLACE, markBinpkgsInPlace, regeneratedIndex } from '../binhost/index-regeneration.ts';
import { EMERGE_DATA, emptyRecord, type EmergeRecord } from '../emerge/record.ts';
import { binfarmVersion } from '../plan/binfarm-version.ts';
import { IMAGE_LABEL } from '../plan/image-labels.ts';
import { computeSubjectKey, KEY_DATA, shortKey, type KeyData } from '../plan/key.ts';
import { sourceHashes } from '../plan/plan.ts';
import { STATE_VERSION, writeSubjectState } from '../plan/state.ts';
import { TREE_SLICE_DATA } from '../plan/tree-slice-build.ts';
import type { RecordedSlice } from '../plan/tree-slice.ts';
import { ensureBuildContainer, ensurePartition, releaseBuildContainer, restoreChanges } from '../build/build-container.ts';
import { commitPending, commitPromoted, discardPending, keepFailedPending, pendingTag, promote } from './promote-image.ts';
import { runSmokeTests } from './smoke.ts';
import { signPartition } from '../signing/sign-partition.ts';
import { addSubjectSbom } from '../sbom/subject-sbom.ts';
import { installedPackagesOf } from '../sbom/image-sbom.ts';
import { recordSubjectProvenance } from '../provenance/subject-provenance.ts';
import { relative, sep } from 'node:path';

export async function packagePhase(farm: FarmContext, build: SubjectBuild): Promise<string> {
  const { run, subject } = build;
  const o = run.options;
  const container = await ensureBuildContainer(build);
  if (!build.key || !build.data.has(KEY_DATA)) await computeSubjectKey(build, farm);
  const key = build.key!;
  const partition = await ensurePartition(build);
  const record = (build.data.get(EMERGE_DATA) as EmergeRecord | undefined) ?? emptyRecord();

  // Read-only looks into the container, made while the partition's index is regenerated: none of
  // them reads the index, and each is an exec or an archive read the engine serves at once.
  const looks = {
    configUpdates: configUpdatesOf(container),
    portageVersion: portageVersionOf(container),
    installed: installedPackagesOf(container),
  };
  for (const p of Object.values(looks)) p.catch(() => undefined); // awaited below, unless the index step fails first

  // Signed, regenerated and checked with no other subject's of this partition in between, or taken
  // from a regeneration that began once this subject's binpkgs were in place (index-regeneration.ts).
  const inPlace = (build.data.get(BINPKGS_IN_PLACE) as number | undefined) ?? markBinpkgsInPlace(partition);
  const { result: verified, by } = await regeneratedIndex(partition, inPlace, subject.name, async () => {
    // Signed on the host, before the index is regenerated: signing changes sizes and digests (docs/security.md).
    if (o.binhost.signing) {
      build.progress.title('sign new binpkgs');
      const signed = await signPartition(o.binhost.signing, farm.rootDir, partition, (rel) => build.progress.output(`signed ${rel}`));
      if (signed.length) build.logger.info(`signed ${signed.length} new binpkg${signed.length === 1 ? '' : 's'} in ${partition}`);
    }
    build.progress.title('emaint binhost --fix');
    const fix = await container.exec(['emaint', 'binhost', '--fix'], { onLine: (l) => build.progress.output(l) });
    if (fix.exitCode !== 0) {
      throw new BinfarmError(
        'E_BINHOST',
        `\`emaint binhost --fix\` failed (exit ${fix.exitCode}) for partition ${partition}: ${(fix.stderr || fix.stdout).trim().split('\n').slice(-5).join(' | ')}`,
        { hint: 'The partition directory must be writable inside the build container (it is bound to PKGDIR).' },
      );
    }
    build.progress.title('verify the Packages index');
    return verifyIndex(partition, { cacheDir: verifyCacheDir(run.stateDir) });
  });
  if (by === subject.name) {
    for (const f of verified.unindexed)
      build.logger.warn(`binpkg ${f} in ${partition} is not in the Packages index (Portage skipped it: invalid name or unreadable)`);
  } else {
    build.progress.output(`the Packages index was regenerated and checked by subject "${by}" after this subject's binpkgs were in place`);
  }

  await refuseConfigUpdates(build, container, await looks.configUpdates);
  const portageVersion = await looks.portageVersion;

  const cpvs = [...record.built, ...record.binary].sort();
  const pkgs = binpkgsOf(verified.index, cpvs);
  for (const cpv of pkgs.missing) build.logger.warn(`${cpv} was emerged for subject "${subject.name}" but has no binpkg in ${partition}`);
  const partitionRel = relative(binhostRoot(o, run.stateDir), partition).split(sep).join('/');

  const ref = `${o.imagePrefix}/${subject.name}`;
  const labels: Record<string, string> = {
    ...(subject.labels ?? {}),
    [IMAGE_LABEL.owned]: '1',
    [IMAGE_LABEL.parent]: subject.parent === null ? `stage3:${build.stage3Digest ?? 'unknown'}` : (build.parent?.key ?? 'unknown'),
    [IMAGE_LABEL.subject]: subject.name,
    [IMAGE_LABEL.version]: binfarmVersion(),
    [IMAGE_LABEL.portageVersion]: portageVersion,
    [IMAGE_LABEL.packages]: cpvs.join(' '),
    [IMAGE_LABEL.binpkgs]: pkgs.paths.join(' '),
    [IMAGE_LABEL.partition]: partitionRel,
    [IMAGE_LABEL.builtBy]: run.runId,
    'org.opencontainers.image.created': new Date().toISOString(),
  };
  Object.assign(labels, await addSubjectSbom(build, container, verified.index, await looks.installed));
  const commit = { repo: ref, key, labels, changes: await restoreChanges(build), comment: `binfarm ${subject.name} ${key}` };
  if (subject.smoke.length) {
    // Committed pending, promoted after the smoke tests: an image counts only once they passed (promote-image.ts).
    build.progress.title(`commit ${ref}:${pendingTag(key)}`);
    const pending = await commitPending(build, container, commit);
    try {
      await runSmokeTests(build, pending.ref);
    } catch (e) {
      if (o.run.keepFailed) throw await keepFailedPending(build, pending, e);
      await discardPending(build, pending);
      throw e;
    }
    build.image = await promote(build, pending);
  } else {
    build.progress.title(`commit ${ref}:${shortKey(key)}`);
    build.image = await commitPromoted(build, container, commit);
  }
  await recordSubjectProvenance(build);

  const keyData = build.data.get(KEY_DATA) as KeyData;
  await writeSubjectState(run.stateDir, {
    version: STATE_VERSION,
    subject: subject.name,
    key,
    inputs: keyData.inputs,
    ...(keyData.content ? { content: keyData.content } : {}),
    sources: sourceHashes(o),
    image: build.image,
    partition: { rel: partitionRel, dir: partition },
    packages: pkgs.paths,
    built: record.built,
    binary: record.binary,
    portageVersion,
    runId: run.runId,
    builtAt: new Date().toISOString(),
    ...(build.data.has(TREE_SLICE_DATA) ? { treeSlice: build.data.get(TREE_SLICE_DATA) as RecordedSlice } : {}),
  });
  // `<prefix>/<subject>:latest` follows the newest good build; `docker tag` replaces it atomically.
  const engine = await run.engine();
  await engine.tag(build.image.id, ref, 'latest').catch((e: unknown) => build.logger.warn(`could not tag ${ref}:latest: ${(e as Error).message}`));
  await releaseBuildContainer(build);
  return `${build.image.ref}, ${pkgs.paths.length} binpkg${pkgs.paths.length === 1 ? '' : 's'} in ${partitionRel}`;
}

/**
 * Packages that install a changed file under CONFIG_PROTECT leave `._cfg0000_<name>` beside it
 * (docs/internals/gentoo.md#config-protect). Merge them with `etc-update --automode -5` when available; any left over
 * would bake a half-updated /etc into the image.
 */
async function refuseConfigUpdates(build: SubjectBuild, c: ContainerHandle, found: string[]): Promise<void> {
  let pending = found;
  if (!pending.length) return;
  build.progress.output(`configuration updates pending: ${pending.join(' ')}`);
  const upd = await c.exec(['etc-update', '--automode', '-5'], { onLine: (l) => build.progress.output(l) });
  if (upd.exitCode === 0) pending = await configUpdatesOf(c);
  if (pending.length) {
    throw new BinfarmError('E_EMERGE', `subject "${build.subject.name}": packages left unmerged configuration updates: ${pending.join(', ')}`, {
      hint: 'etc-update (from sys-apps/portage) could not merge them. Ship the file through a root overlay or portage.files with the content the package expects, then run again.',
    });
  }
  build.progress.output('merged the pending configuration updates (etc-update --automode -5)');
}

/** The `._cfg0000_<name>` files under /etc, sorted. */
async function configUpdatesOf(c: ContainerHandle): Promise<string[]> {
  return (await c.exec(['find', '/etc', '-name', '._cfg????_*'])).stdout.split('\n').filter(Boolean).sort();
}

/** `Portage 3.0.82 (python ...)` → `3.0.82`; `unknown` when neither emerge nor portageq says. */
export async function portageVersionOf(c: ContainerHandle): Promise<string> {
  const e = await c.exec(['emerge', '--version']).catch(() => undefined);
  const m = e?.exitCode === 0 ? /^Portage (\S+)/m.exec(e.stdout) : null;
  if (m) return m[1]!;
  const q = await c.exec(['portageq', '--version']).catch(() => undefined);
  const v = q?.exitCode === 0 ? q.stdout.trim().split(/\s+/)[0] : undefined;
  return v || 'unknown';
}
