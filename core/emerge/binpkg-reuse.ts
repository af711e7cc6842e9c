/**
 * Keeps binpkg reuse honest in a build container (docs/pipeline.md, "How binpkg reuse is kept
 * honest"): before an emerge that reuses binpkgs, packages whose binpkg was built from other
 * per-package inputs get `--usepkg-exclude` (core/emerge/usepkg-exclude.ts); after it, the
 * binpkgs built from source are recorded with the inputs they were built from
 * (core/binhost/inputs-record.ts). The inputs are read from the container's /etc/portage, so
 * what the rendered config, root overlays and patch strategies put there all counts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { PerPackageInputs } from '../binhost/binpkg-inputs.ts';
import { readInputsRecord, recordBuiltInputs } from '../binhost/inputs-record.ts';
import { parsePackagesIndex, type PackagesIndex } from '../binhost/packages-index.ts';
import { PretendParser } from '../assemble/pretend-output.ts';
import { readImagePaths } from '../portage/apply/read-image.ts';
import { usepkgExcludeArgs } from './argv.ts';
import { chooseExclusions, reusesBinpkgs, suspectBinpkgs, type Exclusion } from './usepkg-exclude.ts';

const PORTAGE = '/etc/portage';
/** Where per-package inputs live (binpkg-inputs.ts). */
const INPUT_PATHS = ['patches', 'package.env', 'env'].map((p) => `${PORTAGE}/${p}`);
const INPUTS_DATA = 'binfarm:per-package-inputs';

/** Every exclusion of this build, for the phase note. */
export const EXCLUSIONS_DATA = 'binfarm:usepkg-excluded';

/** The per-package inputs of the container's /etc/portage (read once per build: emerge does not change it). */
export async function perPackageInputs(build: SubjectBuild, container: ContainerHandle): Promise<PerPackageInputs> {
  let inputs = build.data.get(INPUTS_DATA) as PerPackageInputs | undefined;
  if (inputs) return inputs;
  const state = await readImagePaths(container, INPUT_PATHS);
  const files = new Map<string, string>();
  for (const [abs, e] of state.entries) {
    const rel = abs.slice(PORTAGE.length + 1);
    // latin1 maps bytes 1:1, so the digest covers every byte of a patch
    if (e.kind === 'file') files.set(rel, typeof e.content === 'string' ? e.content : Buffer.from(e.content).toString('latin1'));
    else if (e.kind === 'symlink') files.set(rel, `symlink:${e.target}`);
  }
  inputs = new PerPackageInputs(files);
  build.data.set(INPUTS_DATA, inputs);
  return inputs;
}

async function readIndex(partition: string): Promise<PackagesIndex | undefined> {
  const text = await readFile(join(partition, 'Packages'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parsePackagesIndex(text);
}

/**
 * argv plus `--usepkg-exclude` for the packages whose binpkg Portage would reuse although it
 * was built from other per-package inputs; says which and why in the subject's output.
 */
export async function excludeStaleBinpkgs(
  build: SubjectBuild,
  container: ContainerHandle,
  partition: string,
  argv: string[],
  env: Record<string, string>,
): Promise<string[]> {
  if (!reusesBinpkgs(argv)) return argv;
  const index = await readIndex(partition);
  if (!index?.packages.length) return argv;
  const inputs = await perPackageInputs(build, container);
  const suspects = suspectBinpkgs(index, await readInputsRecord(partition), (cpn) => inputs.of(cpn));
  if (!suspects.length) return argv;

  const { excluded, pretendFailed } = await chooseExclusions(suspects, async (exclude) => {
    const parser = new PretendParser();
    build.progress.title('emerge --pretend (which binpkgs would be reused)');
    const res = await container.exec([...argv, '--pretend', ...usepkgExcludeArgs(exclude)], {
      ...(Object.keys(env).length ? { env } : {}),
      signal: build.run.signal,
      keepBytes: 64 * 1024,
      onLine: (l) => parser.feed(l),
    });
    return res.exitCode === 0 ? parser.result().merges : undefined;
  });
  if (pretendFailed) build.logger.warn('emerge --pretend failed: every package with a binpkg built from other per-package inputs is rebuilt from source');
  if (!excluded.length) return argv;
  const all = (build.data.get(EXCLUSIONS_DATA) as Exclusion[] | undefined) ?? [];
  for (const x of excluded) {
    build.progress.output(`rebuilding from source, not from its binpkg: ${x.cpn}: ${x.why}`);
    if (!all.some((y) => y.cpn === x.cpn)) all.push(x);
  }
  build.data.set(EXCLUSIONS_DATA, all);
  return [...argv, ...usepkgExcludeArgs(excluded.map((x) => x.cpn))];
}

/** Records the inputs of the binpkgs this emerge built from source (also after a failed emerge). */
export async function recordBuiltBinpkgs(build: SubjectBuild, container: ContainerHandle, partition: string, built: readonly string[]): Promise<void> {
  if (!built.length) return;
  const index = await readIndex(partition);
  if (!index) return;
  const inputs = await perPackageInputs(build, container);
  await recordBuiltInputs(partition, index, built, (cpn) => inputs.of(cpn), { subject: build.subject.name, runId: build.run.runId });
}

/** ` (rebuilt from source: app-misc/x: patches changed since its binpkg was built)` or ''. */
export function exclusionNote(build: SubjectBuild): string {
  const all = (build.data.get(EXCLUSIONS_DATA) as Exclusion[] | undefined) ?? [];
  return all.length ? `; rebuilt from source, not from binpkgs: ${all.map((x) => `${x.cpn} (${x.why})`).join('; ')}` : '';
}
