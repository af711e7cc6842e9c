import test from 'ava';
import { stat } from 'node:fs/promises';
import { BUILTIN_MOUNT_STRATEGIES, MountStrategyRegistry } from '../../core/tree/mount/registry.ts';
import { squashfsStrategy } from '../../core/tree/mount/squashfs.ts';
import { treeVolumeName } from '../../core/tree/mount/volume.ts';
import type { MountSpec } from '../../core/engine/types.ts';
import { testRun, type TestRun } from '../engine/build-context.ts';
import { dockerForTests } from '../helpers/docker.ts';
import { commitTree, isMounted, loopsOf, mountFor, smallTree } from './helpers.ts';

/** Reads the tree in a fresh container and tries to write to it. */
async function probe(r: TestRun, mounts: MountSpec[], image: string, atom: string) {
  const engine = await r.engine();
  return engine.run({
    image,
    mounts,
    cmd: [
      'sh',
      '-c',
      `cat /var/db/repos/gentoo/profiles/repo_name; ls /var/db/repos/gentoo/${atom} | grep -c ebuild; find /var/db/repos/gentoo/metadata/md5-cache -type f | wc -l; touch /var/db/repos/gentoo/x 2>&1; echo "touch=$?"`,
    ],
  });
}

test.serial('squashfs: dir tree → cached sqfs → loop-mounted read-only; visible, unwritable; cache hit on the next run; released at cleanup', async (t) => {
  const tree = await smallTree(t);
  const config = { tree: { type: 'dir' as const, path: tree.dir }, mount: { strategy: 'squashfs' as const } };
  const r = await testRun(t, config, { tag: 'sqfs' });
  const build = r.build();
  const setup = await mountFor(build);
  t.is(setup.strategy.name, 'squashfs');
  t.regex(build.tree!.digest, /^sha256:[0-9a-f]{64}$/);
  t.deepEqual(build.tree!.repos, { gentoo: '/var/db/repos/gentoo' });
  const [m] = build.tree!.mounts;
  t.is(m?.type, 'bind');
  t.true(m?.readOnly);
  t.true(await isMounted(m!.source!));
  const sqfs = setup.repos[0]!.artifact.sqfs!;
  t.is((await loopsOf(sqfs)).length, 1);

  const out = await probe(r, build.tree!.mounts, build.baseImage!.ref, tree.atoms[0]!);
  const lines = out.stdout.trim().split('\n');
  t.is(lines[0], 'gentoo');
  t.true(Number(lines[1]) >= 1);
  t.is(Number(lines[2]), tree.ebuilds);
  t.regex(out.stdout, /Read-only file system/);
  t.regex(out.stdout, /touch=1/);

  // A second subject of the same run shares the mount.
  const sibling = r.build('hep', { ...build, image: { ref: build.baseImage!.ref, id: 'x' } });
  await mountFor(sibling);
  t.deepEqual(sibling.tree, build.tree);
  t.is((await loopsOf(sqfs)).length, 1);

  const before = await stat(sqfs);
  const engine = await r.engine();
  await engine.cleanup();
  t.false(await isMounted(m!.source!));
  t.deepEqual(await loopsOf(sqfs), []);

  const r2 = await testRun(t, config, { tag: 'sqfs2', cacheDir: r.run.cacheDir });
  const b2 = r2.build();
  await mountFor(b2);
  t.is(b2.tree!.digest, build.tree!.digest);
  const after = await stat(sqfs);
  t.is(after.ino, before.ino, 'the cached image is reused, not rebuilt');
  t.is(after.mtimeMs, before.mtimeMs);
  t.true(r2.outputs.some((l) => l.includes('squashfs cache hit')));
});

test.serial('volume: filled once per snapshot, reused by the next run, read-only in containers, kept after cleanup', async (t) => {
  const tree = await smallTree(t, { seed: 11 });
  const config = { tree: { type: 'dir' as const, path: tree.dir }, mount: { strategy: 'volume' as const } };
  const r = await testRun(t, config, { tag: 'vol' });
  const build = r.build();
  await mountFor(build);
  const [m] = build.tree!.mounts;
  t.is(m?.type, 'volume');
  t.is(m?.source, treeVolumeName(build.tree!.digest));
  const docker = await dockerForTests();
  t.teardown(() => docker.getVolume(m!.source!).remove().catch(() => undefined));
  t.true(r.outputs.some((l) => l.includes('filling volume')));
  const out = await probe(r, build.tree!.mounts, build.baseImage!.ref, tree.atoms[1]!);
  t.is(out.stdout.split('\n')[0], 'gentoo');
  t.is(Number(out.stdout.split('\n')[2]), tree.ebuilds);
  t.regex(out.stdout, /touch=1/);
  await (await r.engine()).cleanup();
  const vol = await docker.getVolume(m!.source!).inspect();
  t.is(vol.Labels['binfarm.cache'], 'tree');
  t.is(vol.Labels['binfarm.tree.digest'], build.tree!.digest);

  const r2 = await testRun(t, config, { tag: 'vol2', cacheDir: r.run.cacheDir });
  const b2 = r2.build();
  await mountFor(b2);
  t.deepEqual(b2.tree!.mounts, build.tree!.mounts);
  t.true(r2.outputs.some((l) => l.includes('already holds')));
  t.false(r2.outputs.some((l) => l.includes('filling volume')));
});

test.serial('bind: a directory source bound read-only as it is', async (t) => {
  const tree = await smallTree(t, { seed: 12 });
  const r = await testRun(t, { tree: { type: 'dir', path: tree.dir }, mount: { strategy: 'bind' } }, { tag: 'bind' });
  const build = r.build();
  await mountFor(build);
  t.deepEqual(build.tree!.mounts, [{ type: 'bind', source: tree.dir, target: '/var/db/repos/gentoo', readOnly: true }]);
  const out = await probe(r, build.tree!.mounts, build.baseImage!.ref, tree.atoms[2]!);
  t.is(out.stdout.split('\n')[0], 'gentoo');
  t.regex(out.stdout, /touch=1/);
  // No image is built for bind; the digest still names the content.
  t.regex(build.tree!.digest, /^sha256:/);
});

test.serial('copy: the tree is baked into an image layer on the base image; nothing is mounted', async (t) => {
  const tree = await smallTree(t, { seed: 13 });
  const r = await testRun(t, { imagePrefix: 'binfarm-test', tree: { type: 'dir', path: tree.dir }, mount: { strategy: 'copy' } }, { tag: 'copy' });
  const build = r.build();
  await mountFor(build);
  t.deepEqual(build.tree!.mounts, []);
  t.regex(build.baseImage!.ref, /^binfarm-test\/tree-copy:[0-9a-f]{16}$/);
  const docker = await dockerForTests();
  t.teardown(() => docker.getImage(build.baseImage!.ref).remove({ force: true }).catch(() => undefined));
  const baked = await (await r.engine()).inspectImage(build.baseImage!.ref);
  t.truthy(baked?.labels['binfarm.tree.copy']);
  const out = await probe(r, [], build.baseImage!.ref, tree.atoms[0]!);
  t.is(out.stdout.split('\n')[0], 'gentoo');
  t.is(Number(out.stdout.split('\n')[2]), tree.ebuilds);
  // A child whose base image already carries these trees is not copied again.
  const child = r.build('hep', { ...build, image: { ref: build.baseImage!.ref, id: build.baseImage!.digest } });
  child.baseImage = { ref: build.baseImage!.ref, digest: build.baseImage!.digest };
  await mountFor(child);
  t.is(child.baseImage.ref, build.baseImage!.ref);
});

test.serial('auto picks squashfs here (root, loop devices, local engine), and bind for directories when squashfs is impossible', async (t) => {
  const tree = await smallTree(t, { seed: 14 });
  const r = await testRun(t, { tree: { type: 'dir', path: tree.dir } }, { tag: 'auto' });
  const build = r.build();
  const setup = await mountFor(build);
  t.is(setup.strategy.name, 'squashfs');
  t.true(r.outputs.includes('tree mount strategy: squashfs (auto)'));

  const registry = new MountStrategyRegistry({
    ...BUILTIN_MOUNT_STRATEGIES,
    squashfs: { ...squashfsStrategy, unavailable: async () => 'it needs root to attach loop devices and mount (binfarm is not running as root)' },
  });
  const r2 = await testRun(t, { tree: { type: 'dir', path: tree.dir } }, { tag: 'auto-bind' });
  const s2 = await mountFor(r2.build(), registry);
  t.is(s2.strategy.name, 'bind');
  t.false(r2.logs.some((l) => l.startsWith('warn:')), 'not being root is normal: no warning');
});

test.serial('no loop devices: auto falls back to volume with a warning; a forced squashfs fails with the fix', async (t) => {
  const tree = await smallTree(t, { seed: 15 });
  await commitTree(tree.dir); // a git source: with only directories, auto would choose bind
  // The machine has loop devices; this registry's squashfs reports what a machine without them would.
  const registry = new MountStrategyRegistry({
    ...BUILTIN_MOUNT_STRATEGIES,
    squashfs: { ...squashfsStrategy, unavailable: async () => 'this machine has no loop devices (/dev/loop-control is missing; `modprobe loop`)' },
  });

  const auto = await testRun(t, { tree: { type: 'git', path: tree.dir } }, { tag: 'noloop' });
  const build = auto.build();
  const setup = await mountFor(build, registry);
  t.is(setup.strategy.name, 'volume');
  t.true(
    auto.logs.some((l) => l.startsWith('warn: tree mount: using "volume" because squashfs is not possible: this machine has no loop devices')),
    auto.logs.join('\n'),
  );
  const docker = await dockerForTests();
  t.teardown(() => docker.getVolume(build.tree!.mounts[0]!.source!).remove().catch(() => undefined));

  const forced = await testRun(t, { tree: { type: 'dir', path: tree.dir }, mount: { strategy: 'squashfs' } }, { tag: 'noloop-forced' });
  const e = await t.throwsAsync(mountFor(forced.build(), registry));
  t.is((e as { code?: string }).code, 'E_MOUNT');
  t.regex(e!.message, /mount.strategy "squashfs" cannot work here: this machine has no loop devices/);
  t.regex((e as { hint?: string }).hint ?? '', /mount.strategy = "auto"/);
});
