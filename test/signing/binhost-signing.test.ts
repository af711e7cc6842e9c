/**
 * binhost.signing end to end through the real CLI, with real gpg and throwaway keys: rotation,
 * `binhost verify` naming tampered packages and their signers, `serve` turning verification on
 * and serving the keys that a client imports the way the printed commands say.
 */
import test from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serializePackagesIndex } from '../../core/binhost/packages-index.ts';
import { resolveSigning } from '../../core/signing/config.ts';
import { signGpkg } from '../../core/signing/gpkg-sign.ts';
import { signNewBinpkgs } from '../../core/signing/sign-partition.ts';
import { cli, spawnCli } from '../cli/_cli.ts';
import { configTs, makeProject } from '../config/_project.ts';
import { testKeyring, type TestKeyring } from '../helpers/gpg-keys.ts';
import { makeUnsignedGpkg } from './helpers.ts';

const PARTITION = 'amd64/default/linux/amd64/23.0/opt-0a1b2c3d';
const OLD = 'app-misc/old/old-1.0-1.gpkg.tar';
const NEW = 'app-misc/new/new-1.0-1.gpkg.tar';

function writeIndex(dir: string, paths: string[]): void {
  const packages = paths.map((p) => {
    const body = readFileSync(join(dir, p));
    const pf = p
      .split('/')
      .pop()!
      .replace(/-\d+\.gpkg\.tar$/, '');
    return {
      CPV: `app-misc/${pf}`,
      BUILD_ID: '1',
      PATH: p,
      SIZE: String(body.length),
      MD5: createHash('md5').update(body).digest('hex'),
      SHA1: createHash('sha1').update(body).digest('hex'),
    };
  });
  const text = serializePackagesIndex({ header: { ARCH: 'amd64', CHOST: 'x86_64-pc-linux-gnu', VERSION: '0' }, packages }, { touch: Date.now() / 1000 });
  writeFileSync(join(dir, 'Packages'), text);
  writeFileSync(join(dir, 'Packages.gz'), gzipSync(text));
}

function project(t: import('ava').ExecutionContext, ring: TestKeyring, key: string, previousKeys: string[]): string {
  const signing = JSON.stringify({ key, gpgHome: ring.gpgHome, previousKeys });
  return makeProject(t, { 'binfarm.config.ts': configTs(`{ binhost: { signing: ${signing} }, subjects: { science: {} } }`) });
}

/** A farm whose old key signed old-1.0 and whose new key then signed what was unsigned (new-1.0). */
async function rotatedFarm(t: import('ava').ExecutionContext) {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const oldKey = await ring.addKey('Binhost 2025 <binhost@example.org>');
  const newKey = await ring.addKey('Binhost 2026 <binhost@example.org>');
  const dir = project(t, ring, newKey, [oldKey]);
  const part = join(dir, '.binfarm', 'binhost', ...PARTITION.split('/'));
  await makeUnsignedGpkg(join(part, OLD), 'old-1.0-1', 'old payload\n');
  await signGpkg(join(part, OLD), { ...ring, key: oldKey });
  await makeUnsignedGpkg(join(part, NEW), 'new-1.0-1', 'new payload\n');
  const signing = await resolveSigning({ key: newKey, gpgHome: ring.gpgHome, previousKeys: [oldKey] }, dir);
  // Only the unsigned package is signed: old-1.0 keeps its old key's signature.
  t.deepEqual(await signNewBinpkgs(part, signing), [NEW]);
  writeIndex(part, [NEW, OLD]);
  return { ring, oldKey, newKey, dir, part };
}

test('after a rotation, binhost verify accepts both keys and says which signed what; dropping the old key makes its packages bad', async (t) => {
  const { ring, oldKey, newKey, dir } = await rotatedFarm(t);
  const ok = await cli(['binhost', 'verify'], { cwd: dir });
  t.is(ok.exitCode, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, new RegExp(`1 signed by ${newKey} \\(current, Binhost 2026`));
  t.regex(ok.stdout, new RegExp(`1 signed by ${oldKey} \\(previous`));

  writeFileSync(
    join(dir, 'binfarm.config.ts'),
    configTs(`{ binhost: { signing: ${JSON.stringify({ key: newKey, gpgHome: ring.gpgHome })} }, subjects: { science: {} } }`),
  );
  const bad = await cli(['binhost', 'verify'], { cwd: dir });
  t.is(bad.exitCode, 1);
  t.regex(bad.stdout, new RegExp(`BAD ${OLD}: Manifest: signed by ${oldKey}, which is not one of the binhost's keys`));
  t.notRegex(bad.stdout, new RegExp(`BAD ${NEW}`));
});

test('a tampered member is named by binhost verify, with the member whose signature fails', async (t) => {
  const { dir, part } = await rotatedFarm(t);
  const file = join(part, NEW);
  const bytes = await readFile(file);
  const at = bytes.indexOf('new payload');
  bytes[at] = 'N'.charCodeAt(0);
  writeFileSync(file, bytes);
  writeIndex(part, [NEW, OLD]); // the index agrees with the file: only the signature can tell
  const r = await cli(['binhost', 'verify', '--json'], { cwd: dir });
  t.is(r.exitCode, 1);
  const report = JSON.parse(r.stdout) as { signatures: { dirs: { bad: { path: string; problems: string[] }[] }[] } };
  const bad = report.signatures.dirs.flatMap((d) => d.bad);
  t.deepEqual(
    bad.map((b) => b.path),
    [NEW],
  );
  t.true(bad[0]!.problems.includes('image.tar.sig: BAD signature (the data was changed after signing)'), bad[0]!.problems.join('; '));
});

test('a signing key missing from the keyring is named with the keyring', async (t) => {
  const ring = await testKeyring();
  t.teardown(() => ring.cleanup());
  const dir = project(t, ring, 'nobody@example.org', []);
  const r = await cli(['binhost', 'verify'], { cwd: dir });
  t.not(r.exitCode, 0);
  t.regex(r.stderr, /binhost\.signing\.key: the public key "nobody@example\.org" is not in the keyring in /);
  t.true(r.stderr.includes(ring.gpgHome));
});

test('serve turns verify-signature on, serves the keys, and the printed import makes Portage’s check pass', async (t) => {
  const { newKey, oldKey, dir, part } = await rotatedFarm(t);
  const child = spawnCli(['serve', '--port', '0'], { cwd: dir });
  t.teardown(() => {
    child.kill();
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no instructions: ${out}`)), 60_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/check-trustdb/.test(out) && /pubring/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  t.regex(out, /^verify-signature = true$/m);
  const url = /at (http:\/\/\S+\/binfarm-keys\.asc)/.exec(out)![1]!;
  const keys = await (await fetch(url)).text();
  t.regex(keys, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  // the partition's page gives the same snippet, verification on
  const pageHtml = await (await fetch(url.replace(/binfarm-keys\.asc$/, `${PARTITION}/`))).text();
  t.regex(pageHtml, /verify-signature = true/);
  t.regex(out, /^install -d -m 0755 \/etc\/portage\/gnupg /m);
  t.regex(out, new RegExp(`printf '%s:6:\\\\n' ${newKey} ${oldKey} \\| gpg --homedir /etc/portage/gnupg --batch --import-ownertrust`));

  // The printed commands, run against a client keyring instead of /etc/portage/gnupg.
  const client = await testKeyring();
  t.teardown(() => client.cleanup());
  const g = ['--homedir', client.gpgHome, '--batch'];
  await execa('gpg', [...g, '--import'], { input: keys });
  await execa('gpg', [...g, '--import-ownertrust'], { input: `${newKey}:6:\n${oldKey}:6:\n` });
  await execa('gpg', [...g, '--check-trustdb']);
  const x = join(client.gpgHome, 'x');
  await execa('mkdir', [x]);
  for (const [file, base] of [
    [OLD, 'old-1.0-1'],
    [NEW, 'new-1.0-1'],
  ] as const) {
    await execa('tar', ['-xf', join(part, file), '-C', x]);
    const r = await execa('gpg', [
      '--verify',
      '--batch',
      '--no-tty',
      '--no-auto-check-trustdb',
      '--status-fd',
      '2',
      ...g.slice(0, 2),
      join(x, base, 'image.tar.sig'),
      join(x, base, 'image.tar'),
    ]);
    t.regex(r.stderr, /^\[GNUPG:\] GOODSIG /m);
    t.regex(r.stderr, /^\[GNUPG:\] TRUST_(FULLY|ULTIMATE)/m);
  }
});
