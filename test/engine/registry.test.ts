import test from 'ava';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveRegistryAuth } from '../../core/engine/registry-auth.ts';
import { parseImageRef } from '../../core/engine/reference.ts';
import { stage3FixtureImage } from '../fixtures/images.ts';
import { startRegistry } from './registry.ts';
import { tempDir, testEngine } from './helpers.ts';

test('image references split like the docker CLI does', (t) => {
  t.deepEqual(parseImageRef('gentoo/stage3:amd64-openrc'), { registry: 'docker.io', repository: 'gentoo/stage3', tag: 'amd64-openrc', digest: undefined });
  t.deepEqual(parseImageRef('busybox'), { registry: 'docker.io', repository: 'library/busybox', tag: undefined, digest: undefined });
  t.deepEqual(parseImageRef('127.0.0.1:5000/a/b:1@sha256:ff'), { registry: '127.0.0.1:5000', repository: 'a/b', tag: '1', digest: 'sha256:ff' });
  t.deepEqual(parseImageRef('localhost/x'), { registry: 'localhost', repository: 'x', tag: undefined, digest: undefined });
});

test('registry auth: auths (base64), credHelpers and credsStore from DOCKER_CONFIG', async (t) => {
  const dir = await tempDir(t);
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // A credential helper is an external program speaking the docker-credential-helpers protocol:
  // this fixture one answers from its arguments, like docker-credential-pass would from a store.
  await writeFile(
    join(bin, 'docker-credential-fixture'),
    '#!/bin/sh\nread server\ncase "$server" in\n  helped.example:5000) printf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$server" ;;\n  https://index.docker.io/v1/) printf \'{"ServerURL":"%s","Username":"<token>","Secret":"tok"}\' "$server" ;;\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n',
  );
  await chmod(join(bin, 'docker-credential-fixture'), 0o755);
  const config = {
    auths: {
      'plain.example': { auth: Buffer.from('alice:s3cr:et').toString('base64') },
      'https://index.docker.io/v1/': {},
    },
    credHelpers: { 'helped.example:5000': 'fixture' },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const env = { ...process.env, DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
  t.deepEqual(await resolveRegistryAuth('plain.example/x/y:1', env), { username: 'alice', password: 's3cr:et', serveraddress: 'plain.example' });
  t.deepEqual(await resolveRegistryAuth('helped.example:5000/x:1', env), {
    username: 'helper-user',
    password: 'helper-secret',
    serveraddress: 'helped.example:5000',
  });
  t.is(await resolveRegistryAuth('nobody.example/x', env), undefined);

  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, credsStore: 'fixture' }));
  t.deepEqual(await resolveRegistryAuth('gentoo/stage3:latest', env), {
    username: '',
    password: '',
    identitytoken: 'tok',
    serveraddress: 'https://index.docker.io/v1/',
  });
  t.deepEqual(
    await resolveRegistryAuth('plain.example/x', env),
    { username: 'alice', password: 's3cr:et', serveraddress: 'plain.example' },
    'falls back to auths when the store has nothing',
  );

  await writeFile(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'x.example': 'missing-helper' } }));
  const e = await t.throwsAsync(resolveRegistryAuth('x.example/y', env));
  t.is((e as { code?: string }).code, 'E_AUTH');
  t.regex(e!.message, /docker-credential-missing-helper .* not installed/);
});

test.serial('push with auth to a real registry, pull back; wrong credentials give E_AUTH naming the registry', async (t) => {
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const image = await stage3FixtureImage();
  const dir = await tempDir(t);
  const engine = await testEngine(t, { tag: 'push' });
  const ref = `${registry.host}/binfarm/pushed:${engine.runId}`;
  const [repo, tag] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
  await engine.tag(image, repo, tag);
  t.teardown(() => engine.removeImage(ref, { force: true }));

  const noAuth = await t.throwsAsync(engine.push(ref, { auth: { username: 'binfarm', password: 'wrong', serveraddress: registry.host } }));
  t.is((noAuth as { code?: string }).code, 'E_AUTH');
  t.regex(noAuth!.message, new RegExp(`${registry.host.replace(/\./g, '\\.')} refused push`));
  t.regex((noAuth as { hint?: string }).hint ?? '', new RegExp(`docker login ${registry.host.replace(/\./g, '\\.')}`));

  // Credentials from a Docker config, as `docker login` writes them.
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
  const progress: string[] = [];
  const pushed = await engine.push(ref, { onProgress: (l) => progress.push(l) });
  t.regex(pushed.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  t.true(progress.length > 0);

  await engine.removeImage(ref, { force: true });
  t.is(await engine.inspectImage(ref), undefined);
  const pulled = await engine.pull(ref, { onProgress: (l) => progress.push(l) });
  t.true(pulled.repoDigests.some((d) => d.endsWith(pushed.digest!)));

  delete process.env.DOCKER_CONFIG;
  await engine.removeImage(ref, { force: true });
  const anon = await t.throwsAsync(engine.pull(ref));
  t.is((anon as { code?: string }).code, 'E_AUTH');
});
