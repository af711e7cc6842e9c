import test from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testRun } from '../engine/build-context.ts';
import { serveDir } from '../engine/http-server.ts';
import { tempDir } from '../engine/helpers.ts';
import { portageFixtureImage } from '../fixtures/images.ts';
import { throwawayKey } from '../fixtures/stage3.ts';
import { generateTree } from '../fixtures/tree-gen.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { commitTree, mountFor, smallTree } from './helpers.ts';
import type { MountSpec } from '../../core/engine/types.ts';
import type { TestRun } from '../engine/build-context.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

async function readInContainer(r: TestRun, mounts: MountSpec[], image: string, script: string): Promise<string> {
  const out = await (await r.engine()).run({ image, mounts, cmd: ['sh', '-c', script] });
  return out.stdout;
}

/** `gentoo-YYYYMMDD.tar.xz` with the tree under `<top>/`, like distfiles.gentoo.org/snapshots. */
async function snapshot(dir: string, tree: string, top: string, name: string): Promise<Buffer> {
  await execa('cp', ['-a', tree, join(dir, top)]);
  await execa('tar', ['-C', dir, '-cJf', join(dir, name), top]);
  await rm(join(dir, top), { recursive: true });
  return readFile(join(dir, name));
}

test.serial('image source: the tree is exported through the API from a gentoo/portage-like image, cached by image id', async (t) => {
  const tree = await smallTree(t, { seed: 21 });
  const image = await portageFixtureImage(tree.dir);
  const r = await testRun(t, { tree: { type: 'image', image } }, { tag: 'src-image' });
  const build = r.build();
  await mountFor(build);
  const info = await (await r.engine()).inspectImage(image);
  t.is(build.tree!.digest, `image:${info!.id}`);
  const out = await readInContainer(
    r,
    build.tree!.mounts,
    build.baseImage!.ref,
    `cat /var/db/repos/gentoo/profiles/repo_name; ls /var/db/repos/gentoo/${tree.atoms[0]}/Manifest`,
  );
  t.is(out, `gentoo\n/var/db/repos/gentoo/${tree.atoms[0]}/Manifest\n`);
  const docker = await dockerForTests();
  t.is(
    (await docker.listContainers({ all: true, filters: { label: [`binfarm.run=${r.run.runId}`, 'binfarm.role=tree-export'] } })).length,
    0,
    'the export container is removed',
  );

  const r2 = await testRun(t, { tree: { type: 'image', image } }, { tag: 'src-image2', cacheDir: r.run.cacheDir });
  await mountFor(r2.build());
  t.true(r2.outputs.some((l) => l.includes('squashfs cache hit')));

  const wrong = await testRun(t, { tree: { type: 'image', image, path: '/var/db/repos/nothing' } }, { tag: 'src-image3' });
  const e = await t.throwsAsync(mountFor(wrong.build()));
  t.is((e as { code?: string }).code, 'E_TREE');
  t.regex(e!.message, /has no \/var\/db\/repos\/nothing/);
});

test.serial('snapshot source over HTTP: md5sum and gpgsig checked, top directory stripped, streamed through xz -dc', async (t) => {
  const tree = await smallTree(t, { seed: 22 });
  const dir = await tempDir(t);
  const name = 'gentoo-20260101.tar.xz';
  const data = await snapshot(dir, tree.dir, 'gentoo-20260101', name);
  await writeFile(join(dir, `${name}.md5sum`), `${md5(data)}  ${name}\n`);
  const key = await throwawayKey(dir, 'snapshot signer');
  t.teardown(() => key.dispose());
  await key.sign(join(dir, name), join(dir, `${name}.gpgsig`));
  const http = await serveDir(dir);
  t.teardown(() => http.close());

  const r = await testRun(t, { tree: { type: 'snapshot', src: `${http.url}/${name}`, gpgKey: key.keyFile } }, { tag: 'src-snap' });
  const build = r.build();
  await mountFor(build);
  t.is(build.tree!.digest, `sha512:${sha512(data)}`);
  t.true(r.outputs.some((l) => l.includes('MD5 verified against') && l.includes('.md5sum')));
  t.true(r.outputs.some((l) => l.includes('signature good')));
  const out = await readInContainer(
    r,
    build.tree!.mounts,
    build.baseImage!.ref,
    'cat /var/db/repos/gentoo/profiles/repo_name; ls /var/db/repos/gentoo | head -1',
  );
  t.is(out.split('\n')[0], 'gentoo');
  t.not(out.split('\n')[1], 'gentoo-20260101', 'the top directory is the image root');

  await writeFile(join(dir, `${name}.md5sum`), `${'0'.repeat(32)}  ${name}\n`);
  const bad = await testRun(t, { tree: { type: 'snapshot', src: join(dir, name) } }, { tag: 'src-snap-bad' });
  const e = await t.throwsAsync(mountFor(bad.build()));
  t.is((e as { code?: string }).code, 'E_DIGEST');
  t.is(e!.message, `MD5 mismatch for ${name}: expected ${'0'.repeat(32)}, got ${md5(data)}`);

  await writeFile(join(dir, `${name}.md5sum`), `${md5(data)}  ${name}\n`);
  await rm(join(dir, `${name}.gpgsig`));
  const unsigned = await testRun(t, { tree: { type: 'snapshot', src: join(dir, name), gpgKey: key.keyFile } }, { tag: 'src-snap-nosig' });
  const e2 = await t.throwsAsync(mountFor(unsigned.build()));
  t.is((e2 as { code?: string }).code, 'E_SIGNATURE');
  t.regex(e2!.message, /gentoo-20260101\.tar\.xz\.gpgsig is missing/);
});

test.serial('legacy portage-latest.tar.xz (top dir portage/) with a configured sha512', async (t) => {
  const tree = await smallTree(t, { seed: 23 });
  const dir = await tempDir(t);
  const data = await snapshot(dir, tree.dir, 'portage', 'portage-latest.tar.xz');
  const r = await testRun(t, { tree: { type: 'snapshot', src: 'portage-latest.tar.xz', sha512: sha512(data) } }, { tag: 'src-portage', rootDir: dir });
  const build = r.build();
  await mountFor(build);
  const out = await readInContainer(r, build.tree!.mounts, build.baseImage!.ref, 'cat /var/db/repos/gentoo/profiles/repo_name');
  t.is(out, 'gentoo\n');
});

test.serial('official-style .sqfs: verified against a cleartext-signed sha512sum.txt and used in place', async (t) => {
  const tree = await smallTree(t, { seed: 24 });
  const dir = await tempDir(t);
  const name = 'gentoo-20260101.xz.sqfs';
  const file = join(dir, name);
  await execa('gensquashfs', ['--pack-dir', tree.dir, '--compressor', 'xz', '--quiet', file]);
  const data = await readFile(file);
  const key = await throwawayKey(dir, 'sqfs signer');
  t.teardown(() => key.dispose());
  await writeFile(join(dir, 'sha512sum.txt'), `${sha512(data)}  ${name}\n${'a'.repeat(128)}  gentoo-20251231.xz.sqfs\n`);
  await key.clearsign(join(dir, 'sha512sum.txt'));

  const r = await testRun(t, { tree: { type: 'sqfs', src: file } }, { tag: 'src-sqfs' });
  const build = r.build();
  const setup = await mountFor(build);
  t.is(setup.repos[0]!.artifact.sqfs, file, 'no copy into the cache');
  t.is(build.tree!.digest, `sha512:${sha512(data)}`);
  t.true(r.outputs.some((l) => l.includes('SHA512 verified against sha512sum.txt')));
  const out = await readInContainer(r, build.tree!.mounts, build.baseImage!.ref, 'cat /var/db/repos/gentoo/profiles/repo_name');
  t.is(out, 'gentoo\n');

  const bad = await testRun(t, { tree: { type: 'sqfs', src: file, sha512: 'b'.repeat(128) } }, { tag: 'src-sqfs-bad' });
  const e = await t.throwsAsync(mountFor(bad.build()));
  t.is((e as { code?: string }).code, 'E_DIGEST');
  t.regex(e!.message, /SHA512 mismatch for gentoo-20260101\.xz\.sqfs/);
});

test.serial('git source: one commit, through git archive; uncommitted edits are not part of it; bad ref named', async (t) => {
  const tree = await smallTree(t, { seed: 25 });
  const commit = await commitTree(tree.dir);
  await writeFile(join(tree.dir, 'profiles', 'uncommitted'), 'x\n');
  const r = await testRun(t, { tree: { type: 'git', path: tree.dir } }, { tag: 'src-git' });
  const build = r.build();
  await mountFor(build);
  t.is(build.tree!.digest, `git:${commit}`);
  const out = await readInContainer(
    r,
    build.tree!.mounts,
    build.baseImage!.ref,
    'cat /var/db/repos/gentoo/profiles/repo_name; ls /var/db/repos/gentoo/profiles/uncommitted 2>&1 | grep -c "No such"',
  );
  t.is(out, 'gentoo\n1\n');

  const bad = await testRun(t, { tree: { type: 'git', path: tree.dir, ref: 'no-such-branch' } }, { tag: 'src-git-bad' });
  const e = await t.throwsAsync(mountFor(bad.build()));
  t.is((e as { code?: string }).code, 'E_TREE');
  t.regex(e!.message, /ref "no-such-branch" does not name a commit/);
});

test.serial('overlays: each mounted at /var/db/repos/<name>, repos recorded for repos.conf, digest covers all; name must match repo_name', async (t) => {
  const tree = await smallTree(t, { seed: 26 });
  const overlayParent = await tempDir(t);
  const science = join(overlayParent, 'science');
  generateTree(science, { packages: 5, seed: 27, repoName: 'science' });
  const r = await testRun(
    t,
    { tree: { type: 'dir', path: tree.dir }, overlays: [{ name: 'science', source: { type: 'dir', path: science } }], mount: { strategy: 'squashfs' } },
    { tag: 'overlays' },
  );
  const build = r.build();
  const setup = await mountFor(build);
  t.deepEqual(build.tree!.repos, { gentoo: '/var/db/repos/gentoo', science: '/var/db/repos/science' });
  t.deepEqual(build.tree!.mounts.map((m) => m.target), ['/var/db/repos/gentoo', '/var/db/repos/science']);
  t.not(build.tree!.digest, setup.repos[0]!.artifact.digest);
  const out = await readInContainer(
    r,
    build.tree!.mounts,
    build.baseImage!.ref,
    'cat /var/db/repos/gentoo/profiles/repo_name /var/db/repos/science/profiles/repo_name /var/db/repos/science/metadata/layout.conf | head -3',
  );
  t.is(out, 'gentoo\nscience\nmasters = gentoo\n');

  const wrong = await testRun(
    t,
    { tree: { type: 'dir', path: tree.dir }, overlays: [{ name: 'physics', source: { type: 'dir', path: science } }] },
    { tag: 'overlays-bad' },
  );
  const e = await t.throwsAsync(mountFor(wrong.build()));
  t.is((e as { code?: string }).code, 'E_TREE');
  t.is(e!.message, 'overlay "physics": its profiles/repo_name says "science"');
});

test.serial('a tree without profiles/repo_name → E_TREE naming the path; nothing is cached', async (t) => {
  const tree = await smallTree(t, { seed: 28 });
  await rm(join(tree.dir, 'profiles', 'repo_name'));
  const r = await testRun(t, { tree: { type: 'dir', path: tree.dir } }, { tag: 'noname' });
  const e = await t.throwsAsync(mountFor(r.build()));
  t.is((e as { code?: string }).code, 'E_TREE');
  t.is(e!.message, `the tree is not a Portage repository: ${tree.dir} has no profiles/repo_name`);
  t.regex((e as { hint?: string }).hint ?? '', /top directory/);

  // The same tree as a snapshot: detected in the built image, which is then thrown away.
  const dir = await tempDir(t);
  const data = await snapshot(dir, tree.dir, 'gentoo-20260102', 'gentoo-20260102.tar.xz');
  await writeFile(join(dir, 'gentoo-20260102.tar.xz.md5sum'), `${md5(data)}  gentoo-20260102.tar.xz\n`);
  const r2 = await testRun(t, { tree: { type: 'snapshot', src: join(dir, 'gentoo-20260102.tar.xz') } }, { tag: 'noname2' });
  const e2 = await t.throwsAsync(mountFor(r2.build()));
  t.is((e2 as { code?: string }).code, 'E_TREE');
  t.regex(e2!.message, /has no profiles\/repo_name/);
  const cached = await readdir(join(r2.run.cacheDir, 'trees')).catch(() => []);
  t.deepEqual(cached.filter((f) => f.endsWith('.sqfs') || f.endsWith('.tmp')), []);

  const missing = await testRun(t, { tree: { type: 'dir', path: join(dir, 'nope') } }, { tag: 'noname3' });
  const e3 = await t.throwsAsync(mountFor(missing.build()));
  t.is((e3 as { code?: string }).code, 'E_TREE');
  t.regex(e3!.message, /is not a directory/);
});

test.serial('dir source: an edited file makes a new snapshot; an unchanged directory is found by its manifest without re-reading', async (t) => {
  const tree = await smallTree(t, { seed: 29 });
  const r = await testRun(t, { tree: { type: 'dir', path: tree.dir }, mount: { strategy: 'squashfs' } }, { tag: 'dir-edit' });
  const b1 = r.build();
  await mountFor(b1);
  const r2 = await testRun(t, { tree: { type: 'dir', path: tree.dir }, mount: { strategy: 'squashfs' } }, { tag: 'dir-edit2', cacheDir: r.run.cacheDir });
  const b2 = r2.build();
  await mountFor(b2);
  t.is(b2.tree!.digest, b1.tree!.digest);
  t.true(r.outputs.some((l) => l.startsWith('packed the tree')));
  t.false(r2.outputs.some((l) => l.startsWith('packed the tree')), 'no pack on a manifest hit');
  const ebuildDir = join(tree.dir, tree.atoms[0]!);
  const ebuild = (await readdir(ebuildDir)).find((f) => f.endsWith('.ebuild'))!;
  await writeFile(join(ebuildDir, ebuild), `${await readFile(join(ebuildDir, ebuild), 'utf8')}# synced\n`);
  const r3 = await testRun(t, { tree: { type: 'dir', path: tree.dir }, mount: { strategy: 'squashfs' } }, { tag: 'dir-edit3', cacheDir: r.run.cacheDir });
  const b3 = r3.build();
  await mountFor(b3);
  t.not(b3.tree!.digest, b1.tree!.digest);
  const out = await readInContainer(r3, b3.tree!.mounts, b3.baseImage!.ref, `tail -1 /var/db/repos/gentoo/${tree.atoms[0]}/${ebuild}`);
  t.is(out, '# synced\n');
});

// Both ways of listing a tree: parallel finds (a Gentoo-sized tree) and the in-process walk of a small one.
for (const [how, walkLimit, prefix] of [
  ['parallel finds', 0, 'find2'],
  ['in-process walk of a small tree', undefined, 'walk'],
] as const)
  test(`dir manifest key (${how}): unchanged → same key; an edited, added or removed file anywhere → another key`, async (t) => {
    const { manifestKey } = await import('../../core/tree/sources/dir.ts');
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync, utimesSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'binfarm-manifest-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // enough top-level entries for several parallel walkers
    for (let i = 0; i < 40; i++) {
      mkdirSync(join(dir, `cat-${i}`, 'pkg'), { recursive: true });
      writeFileSync(join(dir, `cat-${i}`, 'pkg', 'pkg-1.0.ebuild'), 'EAPI=8\n');
    }
    const manifestKeyOf = (d: string) => manifestKey(d, { walkLimit });
    const k0 = await manifestKeyOf(dir);
    t.regex(k0, new RegExp(`^${prefix}:[0-9a-f]{64}$`));
    t.is(await manifestKeyOf(dir), k0);
    const last = join(dir, 'cat-39', 'pkg', 'pkg-1.0.ebuild');
    writeFileSync(last, 'EAPI=8\nIUSE="x"\n');
    utimesSync(last, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const k1 = await manifestKeyOf(dir);
    t.not(k1, k0, 'an edit in the last walker\'s group is seen');
    writeFileSync(join(dir, 'cat-0', 'pkg', 'pkg-1.1.ebuild'), 'EAPI=8\n');
    const k2 = await manifestKeyOf(dir);
    t.not(k2, k1);
    rmSync(join(dir, 'cat-0', 'pkg', 'pkg-1.1.ebuild'));
    t.not(await manifestKeyOf(dir), k2);
  });
