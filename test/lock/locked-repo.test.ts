/**
 * Where `run --locked` finds a locked repository snapshot (core/sources/locked-repo.ts), without
 * Docker: real git, real squashfs files served over HTTP on 127.0.0.1, a real tree cache.
 *   - git: the locked commit when the checkout has it (the ref moved on); else the reason, naming
 *     the commit and `git fetch`;
 *   - a remote squashfs: the download is kept in the tree cache under its digest, so after the URL
 *     serves a newer file the locked one still comes from the cache, byte for byte;
 *   - a dir tree that changed and was never cached: the reason says it cannot be brought back.
 */
import test from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactOfResolved, lockedRepo } from '../../core/sources/locked-repo.ts';
import type { DigestContext } from '../../core/sources/tree-digest.ts';
import { TreeCache } from '../../core/tree/cache.ts';
import { sqfsTree } from '../../core/tree/sources/sqfs.ts';
import { serveDir } from '../engine/http-server.ts';

function repo(dir: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries({ 'profiles/repo_name': 'gentoo\n', ...files })) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
}

function context(root: string, lines: string[] = []): DigestContext {
  const cacheDir = join(root, 'cache');
  return {
    engine: undefined as never,
    cache: new TreeCache(cacheDir),
    rootDir: root,
    cacheDir,
    output: (l) => lines.push(l),
    warn: (l) => lines.push(l),
    what: 'the tree',
    network: true,
    pull: false,
  };
}

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

test('git: the locked commit when the checkout still has it; a missing commit is named with what to do', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'binfarm-lrepo-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const tree = join(root, 'tree');
  repo(tree, { 'dev-libs/mylib/mylib-1.4.2.ebuild': 'EAPI=8\n' });
  const git = (...args: string[]) => execa('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'one');
  const locked = (await git('rev-parse', 'HEAD')).stdout.trim();
  writeFileSync(join(tree, 'dev-libs/mylib/mylib-1.5.ebuild'), 'EAPI=8\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'two');

  const source = { type: 'git' as const, path: 'tree', ref: 'main' };
  const lines: string[] = [];
  const r = await lockedRepo('gentoo', source, `git:${locked}`, context(root, lines));
  t.deepEqual(r, { name: 'gentoo', source: { ...source, ref: locked }, digest: `git:${locked}` });
  t.deepEqual(lines, [`the tree: the locked commit ${locked.slice(0, 12)} instead of "main"`]);

  const absent = 'f'.repeat(40);
  const miss = await lockedRepo('gentoo', source, `git:${absent}`, context(root));
  t.is(miss.digest, `git:${(await git('rev-parse', 'HEAD')).stdout.trim()}`, "today's commit, for the drift lines");
  t.is(
    miss.lockMiss,
    `commit ${absent} is not in ${tree} (\`git -C tree fetch\` may bring it back), and the tree cache (${join(root, 'cache', 'trees')}) has no copy of it`,
  );
});

test('a remote squashfs is kept in the tree cache by digest: once the URL serves a newer file, the locked one comes from the cache', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'binfarm-lrepo-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const www = join(root, 'www');
  mkdirSync(www);
  const http = await serveDir(www);
  t.teardown(() => http.close());
  const pack = async (files: Record<string, string>) => {
    const dir = mkdtempSync(join(root, 'src-'));
    repo(dir, files);
    rmSync(join(www, 'gentoo.sqfs'), { force: true });
    await execa('gensquashfs', ['--pack-dir', dir, '--quiet', join(www, 'gentoo.sqfs')]);
    return readFileSync(join(www, 'gentoo.sqfs'));
  };
  const v1 = await pack({ 'dev-libs/mylib/mylib-1.4.2.ebuild': 'EAPI=8\n' });
  const ctx = context(root);
  const src = `${http.url}/gentoo.sqfs`;
  const a1 = await sqfsTree({ src, sha512: sha512(v1) }, ctx);
  const kept = await ctx.cache.lookup(a1.digest);
  t.truthy(kept, 'the download is kept under its digest');
  t.deepEqual(readFileSync(kept!.sqfs), v1);

  await new Promise((r) => setTimeout(r, 1100)); // Last-Modified has one-second resolution
  const v2 = await pack({ 'dev-libs/mylib/mylib-1.5.ebuild': 'EAPI=8\n' });
  t.notDeepEqual(v2, v1);
  const source = { type: 'sqfs' as const, src, sha512: sha512(v2) };
  const r = await lockedRepo('gentoo', source, a1.digest, ctx);
  t.deepEqual(r, { name: 'gentoo', source, digest: a1.digest, fromCache: true });
  const artifact = await artifactOfResolved(r, ctx, { sqfs: true, dir: false });
  t.deepEqual(readFileSync(artifact.sqfs!), v1, 'the locked bytes, not what the URL serves now');
  t.is(artifact.repoName, 'gentoo');

  rmSync(join(root, 'cache', 'trees'), { recursive: true });
  const miss = await lockedRepo('gentoo', source, a1.digest, context(root));
  t.is(miss.digest, `sha512:${sha512(v2)}`);
  t.regex(miss.lockMiss!, new RegExp(`^${src.replace(/[.]/g, '\\.')} no longer serves the locked file, and the tree cache .* has no copy of it$`));
});

test('a dir tree: unchanged, it is used in place; changed and never cached, the reason says it cannot be brought back', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'binfarm-lrepo-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const tree = join(root, 'tree');
  repo(tree, { 'dev-libs/mylib/mylib-1.4.2.ebuild': 'EAPI=8\n' });
  const source = { type: 'dir' as const, path: 'tree' };
  const ctx = context(root);
  const first = await lockedRepo('gentoo', source, 'sha256:placeholder', ctx);
  const locked = first.digest!;
  t.deepEqual(await lockedRepo('gentoo', source, locked, ctx), { name: 'gentoo', source, digest: locked, dir: tree });

  writeFileSync(join(tree, 'dev-libs/mylib/mylib-1.5.ebuild'), 'EAPI=8\n');
  const miss = await lockedRepo('gentoo', source, locked, ctx);
  t.not(miss.digest, locked);
  t.is(
    miss.lockMiss,
    `the directory ${tree} has changed since the lock, and the tree cache (${join(root, 'cache', 'trees')}) has no copy of it; ` +
      'binfarm keeps no history of a directory, so it cannot bring the locked state back',
  );
});
