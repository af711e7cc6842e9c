/**
 * `run --locked` with a registry stage3 whose floating tag was re-pushed to another image (real
 * dockerd, a real registry on 127.0.0.1, the fixture emerge): the locked digest is used, present
 * or pulled by digest, even with `--pull`; a digest the registry does not have stops the run
 * naming the stage3 and what to do.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { removeImages, writeTree } from '../assemble/_env.ts';
import { startRegistry } from '../engine/registry.ts';
import { cli } from '../cli/_cli.ts';

test.serial('a re-pushed floating stage3 tag: run --locked uses the locked digest (present, or pulled by digest); a lost digest fails clearly', async (t) => {
  t.timeout(30 * 60_000);
  const registry = await startRegistry();
  t.teardown(() => registry.stop());
  const dockerConfig = mkdtempSync(join(tmpdir(), 'binfarm-dockercfg-'));
  const auth = Buffer.from(`${registry.user}:${registry.password}`).toString('base64');
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  const docker = (...args: string[]) => execa('docker', ['--config', dockerConfig, ...args]);
  const repo = `${registry.host}/stage3-${process.pid}`;
  const tag = `${repo}:latest`;
  const refs = new Set<string>([tag]);
  t.teardown(async () => {
    for (const ref of refs) await docker('rmi', ref).catch(() => undefined);
  });
  const pushed = async () => {
    await docker('push', '--quiet', tag);
    return (await docker('image', 'inspect', '--format', '{{json .RepoDigests}}', tag)).stdout;
  };
  await docker('tag', await emergeFixtureImage(), tag);
  const first = (JSON.parse(await pushed()) as string[]).find((d) => d.startsWith(`${repo}@`))!.split('@')[1]!;
  refs.add(`${repo}@${first}`);

  const prefix = `binfarm-test-lstage3-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const dir = makeProject(t, {});
  writeTree(join(dir, 'tree'));
  const config = `{
    imagePrefix: ${JSON.stringify(prefix)},
    cacheDir: 'cache',
    stage3: { type: 'registry', image: ${JSON.stringify(tag)} },
    tree: { type: 'dir', path: 'tree' },
    mount: { strategy: 'bind' },
    base: { sets: { b: { 'app-misc/viewer': { use: ['nls'] } } } },
  }`;
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config));
  const env = { DOCKER_CONFIG: dockerConfig };
  const run = (...args: string[]) => cli(['run', '--renderer', 'simple', ...args], { cwd: dir, timeout: 900_000, env });
  const runLog = () => {
    const runs = readdirSync(join(dir, '.binfarm', 'runs'))
      .filter((n) => /^\d{8}-/.test(n))
      .sort();
    return readFileSync(join(dir, '.binfarm', 'runs', runs.at(-1)!, 'run.log'), 'utf8');
  };

  const r1 = await run();
  t.is(r1.exitCode, 0, r1.stderr);
  t.is((await cli(['lock'], { cwd: dir, env })).exitCode, 0);
  const lockFile = join(dir, 'binfarm.lock');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { sources: { stage3: string } };
  t.is(lock.sources.stage3, first);

  // The tag moves on: another image is pushed under it.
  const cid = (await docker('create', tag, '/bin/true')).stdout.trim();
  await docker('commit', '--change', 'LABEL moved=1', cid, tag);
  await docker('rm', cid);
  const second = (JSON.parse(await pushed()) as string[]).find((d) => d.startsWith(`${repo}@`))!.split('@')[1]!;
  refs.add(`${repo}@${second}`);
  t.not(second, first);

  // --pull would take the moved tag; --locked takes the locked digest, still in the engine.
  const r2 = await run('--locked', '--pull');
  t.is(r2.exitCode, 0, r2.stderr);
  t.true(runLog().includes(`stage3: the locked ${first} (present)`), runLog());
  t.regex(r2.stdout, /0 built, 1 skipped/);

  // Not in the engine any more (the digest reference removed): pulled by digest.
  await docker('rmi', `${repo}@${first}`);
  t.is((await docker('image', 'inspect', `${repo}@${first}`).catch((e: { exitCode: number }) => e)).exitCode, 1);
  const r3 = await run('--locked');
  t.is(r3.exitCode, 0, r3.stderr);
  t.true(runLog().includes(`stage3: the locked ${first} (pulled by digest)`), runLog());
  t.regex(r3.stdout, /0 built, 1 skipped/);

  // A digest the registry does not have: the run stops naming the stage3, the lock and what to do.
  const gone = `sha256:${'0'.repeat(64)}`;
  writeFileSync(lockFile, readFileSync(lockFile, 'utf8').replaceAll(first, gone));
  const r4 = await run('--locked');
  t.is(r4.exitCode, 1, r4.stdout);
  t.true(
    r4.stderr.includes(
      `run --locked: the stage3 locked in ${lockFile} as ${gone} cannot be obtained: it is not in the engine and pulling ${repo}@${gone} failed`,
    ),
    r4.stderr,
  );
  t.regex(r4.stderr, /push the image back\), or accept the new stage3: run without --locked.*binfarm lock/);
});
