/**
 * `run --locked`: the stage3 of binfarm.lock, whatever the configured one resolves to today.
 *   registry  `<repository>@<locked digest>`: present in the engine, else pulled by that digest
 *             (a floating tag that moved does not matter); a locked image id, when still present;
 *   local     the locked image id, when the engine still has it;
 *   tarball   the image imported earlier from the locked file (labelled with its SHA512), else the
 *             configured file, imported only when it still has the locked SHA512.
 * When none of that works the run stops here, naming the stage3 and what to do (E_LOCK_SOURCE).
 */
import { BinfarmError, isBinfarmError } from '../errors.ts';
import type { Engine } from '../engine/types.ts';
import { repoAndTag } from '../engine/reference.ts';
import type { RunContext } from '../run/context.ts';
import type { BaseImage, Stage3Output } from './types.ts';
import { registryDigest } from './digest.ts';
import { resolveTarballStage3, STAGE3_DIGEST_LABEL } from './tarball.ts';

const ACCEPT = 'or accept the new stage3: run without --locked, check the result, then `binfarm lock` and commit binfarm.lock';

export async function resolveLockedStage3(run: RunContext, engine: Engine, locked: string, file: string, out: Stage3Output): Promise<BaseImage> {
  const source = run.options.stage3;
  const fail = (why: string, restore: string, cause?: unknown) =>
    new BinfarmError('E_LOCK_SOURCE', `run --locked: the stage3 locked in ${file} as ${locked} cannot be obtained: ${why}`, {
      hint: `${restore}, ${ACCEPT}.`,
      details: { file, locked, stage3: source },
      ...(cause ? { cause } : {}),
    });
  switch (source.type) {
    case 'registry': {
      const pinned = `${repoAndTag(source.image).repo}@${locked}`;
      const present = await engine.inspectImage(pinned);
      if (present && registryDigest(pinned, present) === locked) return found(out, pinned, locked, 'present');
      const byId = await engine.inspectImage(locked);
      if (byId?.id === locked) return found(out, byId.id, locked, 'present as an image id');
      out.title(`pull ${pinned}`);
      try {
        const info = await engine.pull(pinned, { onProgress: out.output, signal: run.signal });
        if (registryDigest(pinned, info) !== locked) throw new Error(`the pull gave ${registryDigest(pinned, info)}`);
      } catch (e) {
        if (run.signal.aborted) throw e;
        const msg = isBinfarmError(e) ? e.message : (e as Error).message;
        throw fail(
          `it is not in the engine and pulling ${pinned} failed (${msg.split('\n')[0]})`,
          'Make the registry serve that digest again (push the image back)',
          e,
        );
      }
      return found(out, pinned, locked, 'pulled by digest');
    }
    case 'local': {
      const info = await engine.inspectImage(locked);
      if (info?.id === locked) return found(out, info.id, locked, `present (the config names ${source.image})`);
      throw fail(`no image with that id is in the Docker engine at ${engine.host}`, `Load or import the locked image again (\`docker load\`)`);
    }
    case 'tarball': {
      const sha512 = locked.replace(/^sha512:/, '');
      const imported = (await engine.listImages({ label: [`${STAGE3_DIGEST_LABEL}=${sha512}`] }))[0];
      if (imported) return found(out, imported.id, locked, 'imported earlier');
      const r = await resolveTarballStage3(source, {
        engine,
        rootDir: run.rootDir,
        cacheDir: run.cacheDir,
        signal: run.signal,
        imagePrefix: run.options.imagePrefix,
        output: out.output,
        warn: out.warn,
        expectSha512: {
          sha512,
          fail: (now) =>
            fail(`${source.src} now has sha512:${now}, and no image imported from the locked file is left`, `Put the locked file back at ${source.src}`),
        },
      });
      return { ref: r.ref, digest: r.digest };
    }
  }
}

function found(out: Stage3Output, ref: string, digest: string, how: string): BaseImage {
  out.output(`stage3: the locked ${digest} (${how})`);
  return { ref, digest };
}
