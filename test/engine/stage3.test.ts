import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FetchStage3Plugin } from '../../core/phases/fetch-stage3.ts';
import { resolveBaseImage } from '../../core/stage3/resolve.ts';
import { rootCause } from '../../core/errors.ts';
import { createFarm } from '../../core/farm.ts';
import { ConfigSchema } from '../../core/config/schema/index.ts';
import { makeStage3Tarball, throwawayKey } from '../fixtures/stage3.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { testRun } from './build-context.ts';
import { serveDir } from './http-server.ts';
import { startRegistry } from './registry.ts';
import { tempDir } from './helpers.ts';

const PREFIX = 'binfarm-test';

/** Removes the stage3 images a test imported (by their digest label). */
async function forgetImages(t: ExecutionContext, sha512: string) {
  t.teardown(async () => {
    const docker = await dockerForTests();
    for (const img of await docker.listImages({ filters: { label: [`binfarm.stage3.sha512=${sha512}`] } })) {
      await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
    }
  });
}

const marker = () => randomBytes(6).toString('hex');

test.serial('tarball by path: DIGESTS verified, imported once as a labelled image, reused by the next run', async (t) => {
  const dir = await tempDir(t);
  const fx = await makeStage3Tarball(dir, { marker: marker() });
  await forgetImages(t, fx.sha512);
  const config = { imagePrefix: PREFIX, stage3: { type: 'tarball' as const, src: fx.name } };

  const first = await testRun(t, config, { rootDir: dir, tag: 's3-path' });
  const build = first.build();
  await resolveBaseImage(build);
  t.is(build.stage3Digest, `sha512:${fx.sha512}`);
  t.is(build.baseImage?.ref, `${PREFIX}/stage3:${fx.sha512.slice(0, 16)}`);
  t.true(first.outputs.some((l) => /BLAKE2B|SHA512/.test(l) && l.includes('verified')), first.outputs.join('\n'));
  t.true(first.outputs.some((l) => l.startsWith('importing ')));
  const engine = await first.engine();
  const info = await engine.inspectImage(build.baseImage!.ref);
  t.is(info?.labels['binfarm.stage3.sha512'], fx.sha512);
  const r = await engine.run({ image: build.baseImage!.ref, cmd: ['cat', '/etc/binfarm-fixture'] });
  t.is(r.exitCode, 0);

  const second = await testRun(t, config, { rootDir: dir, tag: 's3-path2' });
  const again = second.build();
  await resolveBaseImage(again);
  t.is(again.baseImage?.ref, build.baseImage?.ref);
  t.true(second.outputs.some((l) => l.includes('already imported')));
  t.false(second.outputs.some((l) => l.startsWith('importing ')));
});

test.serial('tarball over HTTP with a good signature (clearsigned DIGESTS); downloads are cached and revalidated', async (t) => {
  const dir = await tempDir(t);
  const fx = await makeStage3Tarball(dir, { marker: marker(), sign: true, clearsignDigests: true });
  t.teardown(() => fx.key!.dispose());
  await forgetImages(t, fx.sha512);
  t.true((await readFile(fx.digests, 'utf8')).startsWith('-----BEGIN PGP SIGNED MESSAGE-----'));
  const http = await serveDir(dir);
  t.teardown(() => http.close());
  const cacheDir = join(dir, 'cache');
  const config = { imagePrefix: PREFIX, stage3: { type: 'tarball' as const, src: `${http.url}/${fx.name}`, gpgKey: fx.key!.keyFile, requireSignature: true } };
  const run = await testRun(t, config, { rootDir: dir, cacheDir, tag: 's3-http' });
  const build = run.build();
  await resolveBaseImage(build);
  t.is(build.stage3Digest, `sha512:${fx.sha512}`);
  t.true(run.outputs.some((l) => l.includes(`signature good`) && l.includes(fx.key!.fingerprint)));
  t.deepEqual(
    http.requests.map((r) => `${r.path} ${r.status}`),
    [`/${fx.name} 200`, `/${fx.name}.DIGESTS 200`, `/${fx.name}.asc 200`],
  );
  http.requests.length = 0;
  const run2 = await testRun(t, config, { rootDir: dir, cacheDir, tag: 's3-http2' });
  await resolveBaseImage(run2.build());
  t.deepEqual(http.requests.map((r) => r.status), [304, 304, 304], 'a second run downloads nothing');
});

test.serial('digest mismatch stops with E_DIGEST naming the file, expected and actual; nothing imported', async (t) => {
  const dir = await tempDir(t);
  const fx = await makeStage3Tarball(dir, { marker: marker() });
  await forgetImages(t, fx.sha512);
  const text = await readFile(fx.digests, 'utf8');
  const wrong = 'f'.repeat(128);
  await writeFile(fx.digests, text.replace(fx.sha512, wrong));
  const run = await testRun(t, { imagePrefix: PREFIX, stage3: { type: 'tarball', src: fx.tarball } }, { rootDir: dir, tag: 's3-bad' });
  const e = await t.throwsAsync(resolveBaseImage(run.build()));
  t.is((e as { code?: string }).code, 'E_DIGEST');
  t.is(e!.message, `SHA512 mismatch for ${fx.name}: expected ${wrong}, got ${fx.sha512}`);
  t.regex((e as { hint?: string }).hint ?? '', /corrupt/);
  const engine = await run.engine();
  t.deepEqual(await engine.listImages({ label: [`binfarm.stage3.sha512=${fx.sha512}`] }), []);
});

test.serial('.sha256 is used when there is no .DIGESTS; no checksum file at all is refused', async (t) => {
  const dir = await tempDir(t);
  const fx = await makeStage3Tarball(dir, { marker: marker() });
  await forgetImages(t, fx.sha512);
  await rm(fx.digests);
  const config = { imagePrefix: PREFIX, stage3: { type: 'tarball' as const, src: fx.tarball } };
  const run = await testRun(t, config, { rootDir: dir, tag: 's3-sha256' });
  await resolveBaseImage(run.build());
  t.true(run.outputs.some((l) => l.includes('SHA256 verified against') && l.includes('.sha256')));
  await rm(fx.sha256);
  const run2 = await testRun(t, config, { rootDir: dir, tag: 's3-nosum' });
  const e = await t.throwsAsync(resolveBaseImage(run2.build()));
  t.is((e as { code?: string }).code, 'E_DIGEST');
  t.regex(e!.message, /no checksum file found/);
});

test.serial('signatures: required but missing, required without a key, made by another key → E_SIGNATURE', async (t) => {
  const dir = await tempDir(t);
  const fx = await makeStage3Tarball(dir, { marker: marker() });
  await forgetImages(t, fx.sha512);
  const key = await throwawayKey(dir, 'expected signer');
  const other = await throwawayKey(dir, 'someone else');
  t.teardown(() => key.dispose());
  t.teardown(() => other.dispose());

  const missing = await testRun(
    t,
    { imagePrefix: PREFIX, stage3: { type: 'tarball', src: fx.tarball, gpgKey: key.keyFile, requireSignature: true } },
    { rootDir: dir },
  );
  const e1 = await t.throwsAsync(resolveBaseImage(missing.build()));
  t.is((e1 as { code?: string }).code, 'E_SIGNATURE');
  t.regex(e1!.message, /signature .*\.asc of the stage3 is missing/);

  const noKey = await testRun(t, { imagePrefix: PREFIX, stage3: { type: 'tarball', src: fx.tarball, requireSignature: true } }, { rootDir: dir });
  const e2 = await t.throwsAsync(resolveBaseImage(noKey.build()));
  t.is((e2 as { code?: string }).code, 'E_SIGNATURE');
  t.regex(e2!.message, /no stage3.gpgKey/);

  await other.sign(fx.tarball);
  const wrongKey = await testRun(t, { imagePrefix: PREFIX, stage3: { type: 'tarball', src: fx.tarball, gpgKey: key.keyFile } }, { rootDir: dir });
  const e3 = await t.throwsAsync(resolveBaseImage(wrongKey.build()));
  t.is((e3 as { code?: string }).code, 'E_SIGNATURE');
  t.regex(e3!.message, /not made by the configured key/);

  await key.sign(fx.tarball);
  await writeFile(fx.tarball, Buffer.concat([await readFile(fx.tarball), Buffer.from('x')]));
  const { createHash } = await import('node:crypto');
  const tampered = createHash('sha512').update(await readFile(fx.tarball)).digest('hex');
  await writeFile(fx.digests, `# SHA512 HASH\n${tampered}  ${fx.name}\n`);
  const bad = await testRun(t, { imagePrefix: PREFIX, stage3: { type: 'tarball', src: fx.tarball, gpgKey: key.keyFile } }, { rootDir: dir });
  const e4 = await t.throwsAsync(resolveBaseImage(bad.build()));
  t.is((e4 as { code?: string }).code, 'E_SIGNATURE');
  t.regex(e4!.message, /does not match the file \(BADSIG\)/);

  // A fingerprint must name a key in the user's keyring (GNUPGHOME points at an empty one here).
  const emptyHome = await tempDir(t, 'binfarm-empty-gnupg-');
  const prevHome = process.env.GNUPGHOME;
  process.env.GNUPGHOME = emptyHome;
  t.teardown(() => {
    if (prevHome === undefined) delete process.env.GNUPGHOME;
    else process.env.GNUPGHOME = prevHome;
  });
  const byFpr = await testRun(t, { imagePrefix: PREFIX, stage3: { type: 'tarball', src: fx.tarball, gpgKey: key.fingerprint } }, { rootDir: dir });
  const e5 = await t.throwsAsync(resolveBaseImage(byFpr.build()));
  t.is((e5 as { code?: string }).code, 'E_SIGNATURE');
  t.is(e5!.message, `key ${key.fingerprint} is not in your GnuPG keyring`);
});

test.serial('an unreadable tarball (checksums match, not an xz archive) → E_ARCHIVE, no image left behind', async (t) => {
  const dir = await tempDir(t);
  const name = 'stage3-amd64-openrc-20260101T000000Z.tar.xz';
  const data = Buffer.from(`this is not xz ${marker()}\n`);
  await writeFile(join(dir, name), data);
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha512').update(data).digest('hex');
  await forgetImages(t, sha);
  await writeFile(join(dir, `${name}.DIGESTS`), `# SHA512 HASH\n${sha}  ${name}\n`);
  const run = await testRun(t, { imagePrefix: PREFIX, stage3: { type: 'tarball', src: name } }, { rootDir: dir, tag: 's3-garbage' });
  const e = await t.throwsAsync(resolveBaseImage(run.build()));
  t.is((e as { code?: string }).code, 'E_ARCHIVE');
  t.regex(e!.message, new RegExp(`cannot read ${name.replace(/\./g, '\\.')}: xz exited`));
  const engine = await run.engine();
  t.deepEqual(await engine.listImages({ label: [`binfarm.stage3.sha512=${sha}`] }), []);
  t.is(await engine.inspectImage(`${PREFIX}/stage3:${sha.slice(0, 16)}`), undefined);
});

test.serial('registry source: pulled with credentials from the Docker config, RepoDigest recorded; present image not pulled again', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.user}:${registry.password}`).toString('base64') } } }),
  );
  const prev = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = dir;
  t.teardown(() => {
    if (prev === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = prev;
  });
  const fixture = await stage3FixtureImage();
  const ref = `${registry.host}/gentoo/stage3:amd64-openrc-${marker()}`;
  const run = await testRun(t, { stage3: { type: 'registry', image: ref } }, { tag: 's3-reg' });
  const engine = await run.engine();
  await engine.tag(fixture, ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1));
  const { digest } = await engine.push(ref);
  await engine.removeImage(ref);
  t.teardown(() => engine.removeImage(ref, { force: true }));

  const build = run.build();
  await resolveBaseImage(build);
  t.is(build.stage3Digest, digest);
  t.is(build.baseImage?.ref, ref);
  t.true(run.outputs.some((l) => l.startsWith('== pull ')));

  const run2 = await testRun(t, { stage3: { type: 'registry', image: ref } }, { tag: 's3-reg2' });
  const b2 = run2.build();
  await resolveBaseImage(b2);
  t.is(b2.stage3Digest, digest);
  t.false(run2.outputs.some((l) => l.startsWith('== pull ')));
});

test.serial('local source by name; unknown local image → E_IMAGE_NOT_FOUND naming it', async (t) => {
  const fixture = await stage3FixtureImage();
  const run = await testRun(t, { stage3: { type: 'local', image: fixture } }, { tag: 's3-local' });
  const build = run.build();
  await resolveBaseImage(build);
  const info = await (await run.engine()).inspectImage(fixture);
  t.is(build.stage3Digest, info!.id);
  t.is(build.baseImage?.ref, info!.id);

  const missing = await testRun(t, { stage3: { type: 'local', image: 'binfarm-test/no-such-stage3:1' } }, { tag: 's3-local-missing' });
  const e = await t.throwsAsync(resolveBaseImage(missing.build()));
  t.is((e as { code?: string }).code, 'E_IMAGE_NOT_FOUND');
  t.regex(e!.message, /binfarm-test\/no-such-stage3:1/);
});

test.serial('non-base subjects build on the parent image; the plugin taps fetchStage3 and errors name it', async (t) => {
  const fixture = await stage3FixtureImage();
  const run = await testRun(t, { stage3: { type: 'local', image: fixture } }, { tag: 's3-child' });
  const base = run.build();
  await resolveBaseImage(base);
  base.image = { ref: 'binfarm/base:abc', id: 'sha256:base' };
  const child = run.build('hep', base);
  await resolveBaseImage(child);
  t.deepEqual(child.baseImage, { ref: 'binfarm/base:abc', digest: 'sha256:base' });
  t.is(child.stage3Digest, base.stage3Digest);

  const orphan = run.build('hep', { ...base, image: undefined } as typeof base);
  const e = await t.throwsAsync(resolveBaseImage(orphan));
  t.is((e as { code?: string }).code, 'E_INTERNAL');

  const farm = createFarm({ options: ConfigSchema.parse({ stage3: { type: 'local', image: 'binfarm-test/nope:0' } }), rootDir: '/', builtins: false });
  farm.apply(new FetchStage3Plugin());
  const run2 = await testRun(t, { stage3: { type: 'local', image: 'binfarm-test/nope:0' } });
  const e2 = await t.throwsAsync(farm.hooks.fetchStage3.promise(run2.build()));
  t.is((e2 as { code?: string }).code, 'E_PLUGIN');
  t.regex(e2!.message, /^fetchStage3 failed for subject "base": /);
  t.is((rootCause(e2) as { code?: string }).code, 'E_IMAGE_NOT_FOUND');
});
