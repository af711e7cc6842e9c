import test from 'ava';
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseChecksums, stripClearsign } from '../../core/util/checksums.ts';
import { tarTopDir } from '../../core/tree/tar-peek.ts';
import { tempDir } from '../engine/helpers.ts';

test('catalyst DIGESTS blocks, .sha256, sha512sum.txt, BSD tags, bare hashes', (t) => {
  const digests = `# BLAKE2B HASH\n${'a'.repeat(128)}  stage3.tar.xz\n# SHA512 HASH\n${'b'.repeat(128)}  stage3.tar.xz\n# SHA512 HASH\n${'c'.repeat(128)}  stage3.tar.xz.CONTENTS.gz\n`;
  t.deepEqual(parseChecksums(digests), [
    { algo: 'BLAKE2B', hex: 'a'.repeat(128), file: 'stage3.tar.xz' },
    { algo: 'SHA512', hex: 'b'.repeat(128), file: 'stage3.tar.xz' },
    { algo: 'SHA512', hex: 'c'.repeat(128), file: 'stage3.tar.xz.CONTENTS.gz' },
  ]);
  t.deepEqual(parseChecksums(`# SHA256 HASH\n${'d'.repeat(64)}  x.tar.xz\n`), [{ algo: 'SHA256', hex: 'd'.repeat(64), file: 'x.tar.xz' }]);
  t.deepEqual(parseChecksums(`${'E'.repeat(128)}  gentoo-20260101.xz.sqfs\n`), [{ algo: 'SHA512', hex: 'e'.repeat(128), file: 'gentoo-20260101.xz.sqfs' }]);
  t.deepEqual(parseChecksums(`SHA512 (gentoo.sqfs) = ${'f'.repeat(128)}\n`), [{ algo: 'SHA512', hex: 'f'.repeat(128), file: 'gentoo.sqfs' }]);
  t.deepEqual(parseChecksums(`${'1'.repeat(32)} *gentoo.tar.xz\n`), [{ algo: 'MD5', hex: '1'.repeat(32), file: 'gentoo.tar.xz' }]);
});

test('PGP cleartext armour is stripped, dash-escapes undone', (t) => {
  const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n# SHA512 HASH\n${'b'.repeat(128)}  s.tar.xz\n- -- dash line\n-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n`;
  t.is(stripClearsign(signed), `# SHA512 HASH\n${'b'.repeat(128)}  s.tar.xz\n-- dash line`);
  t.deepEqual(parseChecksums(signed), [{ algo: 'SHA512', hex: 'b'.repeat(128), file: 's.tar.xz' }]);
});

test('top directory of real tar streams (GNU tar, git archive with a pax header, long names, no top dir)', async (t) => {
  const dir = await tempDir(t);
  const long = `gentoo-20260101/${'x'.repeat(120)}`;
  await mkdir(join(dir, long), { recursive: true });
  await writeFile(join(dir, long, 'f'), 'x');
  const gnu = Buffer.from((await execa('tar', ['-C', dir, '-cf', '-', 'gentoo-20260101'], { encoding: 'buffer' })).stdout);
  t.is(tarTopDir(gnu), 'gentoo-20260101');
  const longOnly = Buffer.from((await execa('tar', ['-C', dir, '-cf', '-', long], { encoding: 'buffer' })).stdout);
  t.is(tarTopDir(longOnly), 'gentoo-20260101');
  const posix = Buffer.from((await execa('tar', ['--format=posix', '-C', dir, '-cf', '-', long], { encoding: 'buffer' })).stdout);
  t.is(tarTopDir(posix), 'gentoo-20260101');
  const dotted = Buffer.from((await execa('tar', ['-C', join(dir, 'gentoo-20260101'), '-cf', '-', '.'], { encoding: 'buffer' })).stdout);
  t.is(tarTopDir(dotted), undefined, 'a ./ root entry: the tree is at the root');
  await execa('git', ['init', '-q', join(dir, 'repo')]);
  await writeFile(join(dir, 'repo', 'README'), 'x');
  await execa('git', ['-C', join(dir, 'repo'), 'add', '.']);
  await execa('git', ['-C', join(dir, 'repo'), '-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-qm', 'x']);
  const git = Buffer.from((await execa('git', ['-C', join(dir, 'repo'), 'archive', '--prefix=portage/', 'HEAD'], { encoding: 'buffer' })).stdout);
  t.is(tarTopDir(git), 'portage');
  const flat = Buffer.from((await execa('git', ['-C', join(dir, 'repo'), 'archive', 'HEAD'], { encoding: 'buffer' })).stdout);
  t.is(tarTopDir(flat), undefined);
});
