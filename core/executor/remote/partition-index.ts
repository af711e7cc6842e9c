/**
 * The partition's `Packages` on this host after a build on a remote engine. Locally, the package
 * phase's `emaint binhost --fix` rewrites it through the bound partition; on a remote engine that
 * command acts on the build container's PKGDIR volume. The verified entries reach the partition's
 * index when they are received (core/executor/swarm/receive.ts); a partition that got none and
 * has no index yet gets Portage's own header — from `emaint binhost --fix` in the build
 * container — with no packages, as emaint writes it for an empty PKGDIR.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinfarmError } from '../../errors.ts';
import { parsePackagesIndex, serializePackagesIndex } from '../../binhost/packages-index.ts';
import { readContainerFile } from '../../engine/container-file.ts';
import type { ContainerHandle } from '../../engine/types.ts';
import { writeFileAtomic } from '../../util/fs.ts';

export async function ensurePartitionIndex(container: ContainerHandle, pkgdir: string, partition: string): Promise<void> {
  const file = join(partition, 'Packages');
  if (
    await readFile(file, 'utf8').then(
      () => true,
      () => false,
    )
  )
    return;
  const fix = await container.exec(['emaint', 'binhost', '--fix']);
  const text = fix.exitCode === 0 ? await readContainerFile(container, `${pkgdir}/Packages`) : undefined;
  if (!text) {
    throw new BinfarmError(
      'E_BINHOST',
      `\`emaint binhost --fix\` in the build container wrote no ${pkgdir}/Packages (exit ${fix.exitCode}): ${(fix.stderr || fix.stdout).trim()}`,
      {
        hint: "The partition's first index takes Portage's header from the build container; check that emaint works in the subject's image.",
      },
    );
  }
  const header = parsePackagesIndex(text.toString('utf8')).header;
  await writeFileAtomic(file, serializePackagesIndex({ header, packages: [] }, { touch: Date.now() / 1000 }));
}
