/** The emerge step of an assembly: `emerge --usepkgonly` of the binpkgs the check chose (argv.ts). */
import { BinfarmError } from '../errors.ts';
import type { ContainerHandle } from '../engine/types.ts';
import type { SubjectBuild } from '../run/context.ts';
import { emergeEnv } from '../emerge/argv.ts';
import { runEmerge } from '../emerge/run-emerge.ts';
import { assembleArgv } from './argv.ts';
import { binpkgCorruptError, digestFailuresInOutput } from './binpkg-digests.ts';
import type { CheckResult } from './check-binpkgs.ts';
import { verifiedIndex } from './partition-index.ts';
import type { AssemblySpec } from './spec.ts';

/** `emerge --usepkgonly` for real; returns how many packages were merged. */
export async function mergePackages(
  build: SubjectBuild,
  container: ContainerHandle,
  spec: AssemblySpec,
  check: CheckResult,
  partitionDir: string,
): Promise<number> {
  const argv = assembleArgv(build.run.options, check.args, { slim: spec.slim, pretend: false });
  build.progress.output(`$ ${argv.join(' ')}`);
  const inv = await runEmerge(build, container, argv, { env: emergeEnv(build.run.options) });
  if (inv.exitCode !== 0 || inv.result.failed.length) {
    const digest = digestFailuresInOutput(inv.tail);
    if (digest.length) throw binpkgCorruptError(spec.name, partitionDir, digest);
    const failed = inv.result.failed.map((f) => `${f.cpv}${f.logFile ? ` (log: ${f.logFile})` : ''}`);
    throw new BinfarmError(
      'E_ASSEMBLE',
      `emerge --usepkgonly failed for assembly "${spec.name}" (exit ${inv.exitCode})${failed.length ? `: ${failed.join(', ')}` : ''}:\n  ${inv.tail
        .filter((l) => l.trim())
        .slice(-12)
        .join('\n  ')}`,
      {
        hint: `The whole output is in ${build.logFile}. A binary merge fails in pkg_preinst/pkg_postinst (users, groups, config files) or on a file collision.`,
        details: { argv, exitCode: inv.exitCode, failed: inv.result.failed },
      },
    );
  }
  if (inv.result.built.length) build.logger.warn(`emerge reported building ${inv.result.built.join(', ')} from source during an assembly`);
  return inv.result.binary.length + inv.result.built.length;
}

/** Checks the binpkgs to merge, then merges them. */
export async function mergeVerified(
  build: SubjectBuild,
  container: ContainerHandle,
  spec: AssemblySpec,
  check: CheckResult,
  partitionDir: string,
): Promise<number> {
  await verifiedIndex(build, spec, check, partitionDir);
  return mergePackages(build, container, spec, check, partitionDir);
}
