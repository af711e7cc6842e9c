import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePackagesIndex } from '../../core/binhost/packages-index.ts';
import { publishGeneration, rollbackGeneration, describePartition, type PublishTarget } from '../../core/publish/generations.ts';
import { LocalFs, SshFs } from '../../core/publish/target-fs.ts';
import { CloneOrCopy, RsyncTransfer, rshCommand, parseRsyncTarget } from '../../core/publish/transfers.ts';
import { makePartition, PARTITION } from './helpers.ts';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `binfarm-${p}-`));
process.env.PATH = `${new URL('../fixtures/ssh/', import.meta.url).pathname}:${process.env.PATH}`;

function dirTarget(root: string): PublishTarget {
  return { fs: new LocalFs(root), root, transfer: new CloneOrCopy() };
}

const index = (dir: string) => parsePackagesIndex(readFileSync(join(dir, 'Packages'), 'utf8'));

test('dir target: generation 1, an unchanged republish, generation 2, rollback, pruning', async (t) => {
  const local = tmp('src');
  const target = dirTarget(tmp('dst'));
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }]);
  const g1 = await publishGeneration(target, part, PARTITION, { keep: 2 });
  t.is(g1.generation, 1);
  const base = join(target.root, PARTITION);
  t.is(readlinkSync(join(base, 'current')), 'generations/1');
  t.deepEqual(index(join(base, 'current')).packages.map((p) => p.PATH), ['app-misc/hello/hello-2.12.2-1.gpkg.tar']);
  const pub = statSync(join(base, 'current/app-misc/hello/hello-2.12.2-1.gpkg.tar'));
  t.not(pub.ino, statSync(join(part, 'app-misc/hello/hello-2.12.2-1.gpkg.tar')).ino, 'binpkgs are copies, never hardlinks to the live partition');
  t.is(pub.mode & 0o777, 0o444, 'published files are read-only');

  const again = await publishGeneration(target, part, PARTITION, { keep: 2 });
  t.true(again.unchanged, 'same content (only TIMESTAMP differs) makes no new generation');
  t.is(again.generation, 1);

  makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }, { cpv: 'sci-libs/gsl-2.8', id: 1 }]);
  const g2 = await publishGeneration(target, part, PARTITION, { keep: 2 });
  t.is(g2.generation, 2);
  t.is(index(join(base, 'current')).packages.length, 2);
  t.is(index(join(base, 'generations/1')).packages.length, 1, 'the old generation is untouched');

  t.deepEqual(await rollbackGeneration(target.fs, target.root, PARTITION), { from: 2, to: 1 });
  t.is(readlinkSync(join(base, 'current')), 'generations/1');
  t.is(index(join(base, 'current')).packages.length, 1);
  await t.throwsAsync(rollbackGeneration(target.fs, target.root, PARTITION), { message: /generation 1 is the oldest one kept/ });

  makePartition(local, [{ cpv: 'sci-libs/gsl-2.8', id: 2 }]);
  const g3 = await publishGeneration(target, part, PARTITION, { keep: 2 });
  t.is(g3.generation, 3);
  t.deepEqual(g3.pruned, [1], 'keep = 2: the oldest generation goes');
  t.deepEqual(readdirSync(join(base, 'generations')).sort(), ['2', '3']);
  t.deepEqual(await describePartition(target.fs, target.root, PARTITION), { partition: PARTITION, current: 3, generations: [2, 3] });
});

test('a broken partition index publishes nothing and leaves current alone', async (t) => {
  const local = tmp('src');
  const target = dirTarget(tmp('dst'));
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }]);
  await publishGeneration(target, part, PARTITION, { keep: 5 });
  makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 2 }]);
  const { rmSync } = await import('node:fs');
  rmSync(join(part, 'app-misc/hello/hello-2.12.2-2.gpkg.tar'));
  await t.throwsAsync(publishGeneration(target, part, PARTITION, { keep: 5 }), { message: /PATH app-misc\/hello\/hello-2\.12\.2-2\.gpkg\.tar does not exist/ });
  t.is(readlinkSync(join(target.root, PARTITION, 'current')), 'generations/1');
  t.false(existsSync(join(target.root, PARTITION, 'generations/2')));
});

test('rsync over ssh: upload with --link-dest, remote switch of current as separate argv commands', async (t) => {
  const local = tmp('src');
  const remoteRoot = tmp('remote');
  const log = join(tmp('log'), 'ssh.log');
  process.env.SSH_FIXTURE_LOG = log;
  t.teardown(() => delete process.env.SSH_FIXTURE_LOG);
  const { host, path } = parseRsyncTarget(`fixture-host:${remoteRoot}`);
  t.is(host, 'fixture-host');
  const sshArgs = ['-o', 'BatchMode=yes', '-p', '2222'];
  const target: PublishTarget = { fs: new SshFs(host!, sshArgs, `${host}:${path}`), root: path, transfer: new RsyncTransfer(host, sshArgs) };
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }]);
  t.is((await publishGeneration(target, part, PARTITION, { keep: 3 })).generation, 1);
  makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }, { cpv: 'sci-libs/gsl-2.8', id: 1 }]);
  t.is((await publishGeneration(target, part, PARTITION, { keep: 3 })).generation, 2);
  const base = join(remoteRoot, PARTITION);
  t.is(readlinkSync(join(base, 'current')), 'generations/2');
  t.is(index(join(base, 'current')).packages.length, 2);
  const f = 'app-misc/hello/hello-2.12.2-1.gpkg.tar';
  t.is(statSync(join(base, 'generations/2', f)).ino, statSync(join(base, 'generations/1', f)).ino, '--link-dest shares unchanged binpkgs');
  const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1]!);
  t.true(calls.some((c) => c.startsWith('rsync --server')), 'rsync went through ssh');
  t.true(calls.includes(`ln -sfn generations/2 ${base}/.current.${process.pid}.tmp`));
  t.true(calls.includes(`mv -T ${base}/.current.${process.pid}.tmp ${base}/current`));
  t.false(calls.some((c) => c.includes('&&') || c.includes(';')), 'no compound remote commands');
  t.deepEqual(await rollbackGeneration(target.fs, target.root, PARTITION), { from: 2, to: 1 });
  t.is(readlinkSync(join(base, 'current')), 'generations/1');
});

test('remote paths with shell characters are refused before anything runs', async (t) => {
  const fs = new SshFs('fixture-host', [], 'x');
  await t.throwsAsync(fs.mkdirp('/srv/bin host; rm -rf /'), { message: /cannot be used on a remote host/ });
  t.throws(() => new SshFs('host;evil', [], 'x'), { message: /not a valid ssh host/ });
  t.is(rshCommand(['-o', 'StrictHostKeyChecking=no', '-i', '/path with space/key']), "ssh -o StrictHostKeyChecking=no -i '/path with space/key'");
});

/** A dir target whose transfer sees an interrupt (controller.abort) at a chosen call, and may then fail as a killed rsync would. */
function interruptedTarget(root: string, controller: AbortController, at: (files: string[]) => boolean, thenFail = false): PublishTarget {
  const inner = new CloneOrCopy();
  return {
    fs: new LocalFs(root),
    root,
    transfer: {
      async files(src, files, dest) {
        await inner.files(src, files, dest, undefined);
        if (!at(files)) return;
        controller.abort();
        if (thenFail) throw new Error('rsync: [sender] received SIGINT, exiting (code 20)');
      },
    },
  };
}

for (const [when, at, thenFail] of [
  ['while the binpkgs are copied', (f: string[]) => f.some((x) => x.endsWith('.gpkg.tar')), false],
  ['while the marker is written (the last step before the switch)', (f: string[]) => f.includes('.binfarm-generation.json'), false],
  ['and the transfer dies of it', (f: string[]) => f.some((x) => x.endsWith('.gpkg.tar')), true],
] as const) {
  test(`an interrupt ${when} publishes nothing: current unchanged, the half-made generation removed`, async (t) => {
    const local = tmp('src');
    const root = tmp('dst');
    const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }]);
    await publishGeneration(dirTarget(root), part, PARTITION, { keep: 3 });
    makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }, { cpv: 'sci-libs/gsl-2.8', id: 1 }]);
    const controller = new AbortController();
    const err = await t.throwsAsync(
      publishGeneration(interruptedTarget(root, controller, at, thenFail), part, PARTITION, { keep: 3, signal: controller.signal }),
    );
    t.true(controller.signal.aborted);
    t.is((err as { code?: string }).code, 'E_INTERRUPTED');
    t.regex(err!.message, /interrupted before current was switched; generation 2 was removed and current is still generations\/1$/);
    const base = join(root, PARTITION);
    t.is(readlinkSync(join(base, 'current')), 'generations/1');
    t.deepEqual(readdirSync(join(base, 'generations')), ['1']);
    // The next publish is whole and takes the number the interrupted one did not keep.
    t.is((await publishGeneration(dirTarget(root), part, PARTITION, { keep: 3 })).generation, 2);
  });
}

test('a transfer that fails without an interrupt leaves no half-made generation either', async (t) => {
  const local = tmp('src');
  const root = tmp('dst');
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }]);
  const failing: PublishTarget = {
    fs: new LocalFs(root),
    root,
    transfer: {
      files: async () => {
        throw new Error('No space left on device');
      },
    },
  };
  await t.throwsAsync(publishGeneration(failing, part, PARTITION, { keep: 3 }), { message: /No space left on device/ });
  t.deepEqual(readdirSync(join(root, PARTITION, 'generations')), []);
  t.false(existsSync(join(root, PARTITION, 'current')));
});

test('an interrupt after current was switched: the generation is published and stays', async (t) => {
  const local = tmp('src');
  const root = tmp('dst');
  const part = makePartition(local, [{ cpv: 'app-misc/hello-2.12.2', id: 1 }]);
  const controller = new AbortController();
  const log = (line: string) => {
    if (line.includes('current → generations/1')) controller.abort();
  };
  const r = await publishGeneration(dirTarget(root), part, PARTITION, { keep: 3, signal: controller.signal, log });
  t.true(controller.signal.aborted);
  t.is(r.generation, 1);
  t.is(readlinkSync(join(root, PARTITION, 'current')), 'generations/1');
  t.true(existsSync(join(root, PARTITION, 'current', 'Packages')));
});
