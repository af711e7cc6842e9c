/**
 * `run --locked` builds from the locked sources when the configured ones have moved on (real
 * dockerd, the fixture emerge, real git, a real HTTP server on 127.0.0.1):
 *   - a git tree whose ref moved to a commit with a newer version: the locked commit is used;
 *   - a remote snapshot tree with a remote overlay beside it, both re-published with new content:
 *     both are locked, and the locked run takes them from the tree cache by digest; once the
 *     cache is gone, it stops naming the source and what to do.
 * Each locked run rebuilds "science" (its state removed): the fixture emerge takes the highest
 * version it finds in the mounted tree, so the built package shows which snapshot was mounted.
 */
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTs, makeProject } from '../config/_project.ts';
import { emergeFixtureImage } from '../fixtures/emerge/image.ts';
import { removeImages, writeTree } from '../assemble/_env.ts';
import { serveDir } from '../engine/http-server.ts';
import { cli } from '../cli/_cli.ts';
import { dockerForTests } from '../helpers/docker.ts';

interface Lock {
  sources: { stage3: string; repos: Record<string, string> };
  subjects: Record<string, { tree?: string; packages: Record<string, unknown> }>;
}

async function project(t: ExecutionContext, tag: string, sources: string) {
  const stage3 = await emergeFixtureImage();
  const prefix = `binfarm-test-lsrc-${tag}-${process.pid}`;
  t.teardown(() => removeImages(prefix));
  const dir = makeProject(t, {});
  const config = `{
    imagePrefix: ${JSON.stringify(prefix)},
    cacheDir: 'cache',
    stage3: { type: 'local', image: ${JSON.stringify(stage3)} },
    ${sources},
    base: { sets: { b: { 'app-misc/viewer': { use: ['nls'] } } } },
    subjects: { science: { sets: { science: { 'dev-libs/mylib': { use: ['python'] } } } } },
  }`;
  writeFileSync(join(dir, 'binfarm.config.ts'), configTs(config));
  const run = (...args: string[]) => cli(['run', '--renderer', 'simple', ...args], { cwd: dir, timeout: 900_000 });
  const state = (name: string) =>
    JSON.parse(readFileSync(join(dir, '.binfarm', 'subjects', `${name}.json`), 'utf8')) as {
      built: string[];
      binary: string[];
      treeSlice?: { treeDigest: string };
      inputs: Record<string, string>;
    };
  const lock = () => JSON.parse(readFileSync(join(dir, 'binfarm.lock'), 'utf8')) as Lock;
  /** Drops the subject's state and images, so the next run must build it again. */
  const forget = async (name: string) => {
    rmSync(join(dir, '.binfarm', 'subjects', `${name}.json`), { force: true });
    const docker = await dockerForTests();
    for (const img of await docker.listImages({ filters: { reference: [`${prefix}/${name}`] } })) {
      await docker.getImage(img.Id).remove({ force: true });
    }
  };
  /** The log of the newest run (what the sources resolution reported). */
  const runLog = () => {
    const runs = readdirSync(join(dir, '.binfarm', 'runs'))
      .filter((n) => /^\d{8}-/.test(n))
      .sort();
    return readFileSync(join(dir, '.binfarm', 'runs', runs.at(-1)!, 'run.log'), 'utf8');
  };
  return { dir, run, state, lock, forget, runLog };
}

test.serial('a git tree whose ref moved on: run --locked builds from the locked commit', async (t) => {
  t.timeout(30 * 60_000);
  const p = await project(t, 'git', `tree: { type: 'git', path: 'tree', ref: 'main' },\n    mount: { strategy: 'bind' }`);
  const tree = join(p.dir, 'tree');
  writeTree(tree);
  const git = (...args: string[]) => execa('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'locked');
  const lockedCommit = (await git('rev-parse', 'HEAD')).stdout.trim();

  const r1 = await p.run();
  t.is(r1.exitCode, 0, r1.stderr);
  t.is((await cli(['lock'], { cwd: p.dir })).exitCode, 0);
  t.is(p.lock().sources.repos.gentoo, `git:${lockedCommit}`);

  // main moves on to a commit with mylib 1.5; science must be rebuilt.
  writeFileSync(join(tree, 'dev-libs/mylib/mylib-1.5.ebuild'), 'EAPI=8\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'newer');
  await p.forget('science');

  const r2 = await p.run('--locked');
  t.is(r2.exitCode, 0, r2.stderr);
  t.true(p.runLog().includes(`the tree: the locked commit ${lockedCommit.slice(0, 12)} instead of "main"`), p.runLog());
  const science = p.state('science');
  t.deepEqual([...science.built, ...science.binary], ['dev-libs/mylib-1.4.2'], 'built from the locked commit, not from main (which has 1.5)');
  t.is(science.treeSlice?.treeDigest, `git:${lockedCommit}`);

  // Without --locked the same farm builds from main: 1.5.
  await p.forget('science');
  const r3 = await p.run();
  t.is(r3.exitCode, 0, r3.stderr);
  t.deepEqual([...p.state('science').built, ...p.state('science').binary], ['dev-libs/mylib-1.5']);
});

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** `<name>` (a .tar.xz with the repository under `<top>/`) and its `.md5sum`, as distfiles publishes them. */
async function publish(www: string, repo: string, top: string, name: string): Promise<void> {
  rmSync(join(www, top), { recursive: true, force: true });
  await execa('cp', ['-a', repo, join(www, top)]);
  await execa('tar', ['-C', www, '-cJf', join(www, name), top]);
  rmSync(join(www, top), { recursive: true });
  writeFileSync(join(www, `${name}.md5sum`), `${md5(readFileSync(join(www, name)))}  ${name}\n`);
}

test.serial('a remote tree and a remote overlay re-published: both are locked; run --locked takes them from the tree cache, or says it cannot', async (t) => {
  t.timeout(30 * 60_000);
  const www = makeProject(t, {});
  const http = await serveDir(www);
  t.teardown(() => http.close());
  const p = await project(
    t,
    'snap',
    `tree: { type: 'snapshot', src: '${http.url}/gentoo.tar.xz' },
    overlays: [{ name: 'physics', source: { type: 'snapshot', src: '${http.url}/physics.tar.xz' } }],
    mount: { strategy: 'volume' }`,
  );
  const tree = join(www, 'src-tree');
  const overlay = join(www, 'src-overlay');
  writeTree(tree);
  for (const [f, c] of Object.entries({
    'profiles/repo_name': 'physics\n',
    'metadata/layout.conf': 'masters = gentoo\n',
    'sci-physics/root/root-6.30.ebuild': 'EAPI=8\n',
  })) {
    mkdirSync(join(overlay, f, '..'), { recursive: true });
    writeFileSync(join(overlay, f), c);
  }
  await publish(www, tree, 'gentoo', 'gentoo.tar.xz');
  await publish(www, overlay, 'physics', 'physics.tar.xz');

  const r1 = await p.run();
  t.is(r1.exitCode, 0, r1.stderr);
  const l = await cli(['lock'], { cwd: p.dir });
  t.is(l.exitCode, 0, l.stderr);
  t.false(l.stderr.includes('not locked'), l.stderr);
  const locked = p.lock().sources.repos;
  t.deepEqual(Object.keys(locked), ['gentoo', 'physics'], 'the remote tree and the remote overlay are both locked');
  t.regex(locked.gentoo!, /^sha512:/);
  t.regex(locked.physics!, /^sha512:/);

  // Both URLs now serve newer files (a new mylib in the tree, a new ebuild in the overlay).
  await new Promise((r) => setTimeout(r, 1100)); // Last-Modified has one-second resolution
  writeFileSync(join(tree, 'dev-libs/mylib/mylib-1.5.ebuild'), 'EAPI=8\n');
  writeFileSync(join(overlay, 'sci-physics/root/root-6.32.ebuild'), 'EAPI=8\n');
  await publish(www, tree, 'gentoo', 'gentoo.tar.xz');
  await publish(www, overlay, 'physics', 'physics.tar.xz');
  const plan = await cli(['plan'], { cwd: p.dir });
  t.regex(plan.stdout, new RegExp(`overlay "physics": unknown until fetched, not compared with the lock \\(locked ${locked.physics}\\)`), plan.stdout);

  await p.forget('science');
  const r2 = await p.run('--locked');
  t.is(r2.exitCode, 0, r2.stderr);
  const out = p.runLog();
  t.true(out.includes(`the tree: the locked snapshot ${locked.gentoo} comes from the tree cache`), out);
  t.true(out.includes(`overlay "physics": the locked snapshot ${locked.physics} comes from the tree cache`), out);
  t.deepEqual([...p.state('science').built, ...p.state('science').binary], ['dev-libs/mylib-1.4.2'], 'built from the locked snapshot');
  t.is(p.state('science').treeSlice?.treeDigest, p.lock().subjects.science!.tree);

  // The cache is gone: the locked snapshots cannot be had; nothing is built.
  rmSync(join(p.dir, 'cache', 'trees'), { recursive: true, force: true });
  await p.forget('science');
  const r3 = await p.run('--locked');
  t.is(r3.exitCode, 1, r3.stdout);
  t.true(r3.stderr.includes(`run --locked: the locked sources of ${join(p.dir, 'binfarm.lock')} cannot be obtained:`), r3.stderr);
  t.true(r3.stderr.includes(`the tree: locked ${locked.gentoo}, now resolves to sha512:`), r3.stderr);
  t.true(r3.stderr.includes(`${http.url}/gentoo.tar.xz no longer serves the locked file, and the tree cache`), r3.stderr);
  t.true(r3.stderr.includes(`overlay "physics": locked ${locked.physics}, now resolves to sha512:`), r3.stderr);
  t.true(r3.stderr.includes('science: dev-libs/mylib: locked 1.4.2, the tree now also has 1.5'), r3.stderr);
  t.regex(r3.stderr, /put the locked snapshot file back/);
  t.throws(() => p.state('science'), undefined, 'nothing was built');
});
