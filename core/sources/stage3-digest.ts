/**
 * The stage3 digest for `plan` (no network): a local image's id, a registry image's RepoDigest
 * when it is present, a local tarball's SHA512. A run resolves it for real (pull or import) through
 * core/stage3/resolve.ts stage3OfRun, which fetchStage3 then reuses.
 */
import { resolve } from 'node:path';
import type { BinfarmOptions } from '../config/schema/index.ts';
import type { Engine } from '../engine/types.ts';
import { registryDigest } from '../stage3/resolve.ts';
import { hashFileMulti } from '../util/checksums.ts';
import { isRemote } from '../util/download.ts';

export async function stage3DigestOffline(options: BinfarmOptions, rootDir: string, engine: Engine | undefined): Promise<{ digest?: string; note?: string }> {
  const s = options.stage3;
  if (s.type === 'tarball') {
    if (isRemote(s.src)) return { note: `stage3 ${s.src} is remote: unknown until fetched` };
    const file = resolve(rootDir, s.src);
    const sums = await hashFileMulti(file, ['SHA512']).catch(() => undefined);
    return sums ? { digest: `sha512:${sums.SHA512}` } : { note: `stage3 ${file} is missing: unknown until fetched` };
  }
  if (!engine) return { note: `stage3 image ${s.image} not inspected without Docker (plan --docker inspects it)` };
  const info = await engine.inspectImage(s.image);
  if (!info) return { note: `stage3 image ${s.image} is not present: unknown until ${s.type === 'registry' ? 'fetched' : 'it exists'}` };
  return { digest: s.type === 'registry' ? registryDigest(s.image, info) : info.id };
}
