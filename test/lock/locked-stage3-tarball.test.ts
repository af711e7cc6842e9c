/**
 * `run --locked` with a tarball stage3 (core/stage3/locked.ts; real dockerd, fixture stage3
 * tarballs): the image imported from the locked file is used even after the file at the
 * configured path was replaced; once that image is gone, the replaced file is refused before it
 * is imported, naming the file and what to do; the locked file put back is imported again.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveBaseImage } from '../../core/stage3/resolve.ts';
import { LOCKED_SOURCES_DATA } from '../../core/sources/locked-data.ts';
import { makeStage3Tarball } from '../fixtures/stage3.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { testRun } from '../engine/build-context.ts';
import { tempDir } from '../engine/helpers.ts';

const removeImported = async (sha512: string) => {
  const docker = await dockerForTests();
  for (const img of await docker.listImages({ filters: { label: [`binfarm.stage3.sha512=${sha512}`] } })) {
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
};

test.serial('tarball stage3: the image of the locked file, or the locked file itself; a replaced file is refused before import', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'old'));
  await mkdir(join(dir, 'new'));
  const stamp = '20260209T170000Z';
  const locked = await makeStage3Tarball(join(dir, 'old'), { marker: randomBytes(6).toString('hex'), stamp });
  const newer = await makeStage3Tarball(join(dir, 'new'), { marker: randomBytes(6).toString('hex'), stamp });
  t.teardown(async () => {
    await removeImported(locked.sha512);
    await removeImported(newer.sha512);
  });
  const put = async (fx: typeof locked) => {
    await copyFile(fx.tarball, join(dir, fx.name));
    await copyFile(fx.digests, join(dir, `${fx.name}.DIGESTS`));
  };
  const config = { imagePrefix: 'binfarm-test', stage3: { type: 'tarball' as const, src: locked.name } };
  const lockedRun = async (tag: string) => {
    const r = await testRun(t, config, { rootDir: dir, tag });
    r.run.data.set(LOCKED_SOURCES_DATA, { file: '/farm/binfarm.lock', stage3: `sha512:${locked.sha512}`, repos: {} });
    return r;
  };

  await put(locked);
  const first = await lockedRun('ls3-first');
  const b1 = first.build();
  await resolveBaseImage(b1);
  t.is(b1.stage3Digest, `sha512:${locked.sha512}`);
  const imported = (await (await first.engine()).inspectImage(b1.baseImage!.ref))!.id;

  // The file at the configured path is replaced: the image imported from the locked file is used.
  await put(newer);
  const second = await lockedRun('ls3-second');
  const b2 = second.build();
  await resolveBaseImage(b2);
  t.is(b2.stage3Digest, `sha512:${locked.sha512}`);
  t.is(b2.baseImage!.ref, imported);
  t.true(second.outputs.includes(`stage3: the locked sha512:${locked.sha512} (imported earlier)`), second.outputs.join('\n'));

  // That image gone, the replaced file is refused before anything is imported.
  await removeImported(locked.sha512);
  const third = await lockedRun('ls3-third');
  const e = await t.throwsAsync(resolveBaseImage(third.build()));
  t.is((e as { code?: string }).code, 'E_LOCK_SOURCE');
  t.is(
    e!.message,
    `run --locked: the stage3 locked in /farm/binfarm.lock as sha512:${locked.sha512} cannot be obtained: ` +
      `${locked.name} now has sha512:${newer.sha512}, and no image imported from the locked file is left`,
  );
  t.regex((e as unknown as { hint: string }).hint, new RegExp(`^Put the locked file back at ${locked.name.replace(/[.]/g, '\\.')}, or accept the new stage3`));
  t.deepEqual(
    await (await dockerForTests()).listImages({ filters: { label: [`binfarm.stage3.sha512=${newer.sha512}`] } }),
    [],
    'the new file was not imported',
  );

  // The locked file put back: imported again.
  await put(locked);
  const fourth = await lockedRun('ls3-fourth');
  const b4 = fourth.build();
  await resolveBaseImage(b4);
  t.is(b4.stage3Digest, `sha512:${locked.sha512}`);
});
