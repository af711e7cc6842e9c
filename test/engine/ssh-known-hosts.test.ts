/**
 * The host key check of ssh:// engines (core/engine/ssh-known-hosts.ts) against known_hosts files
 * written as OpenSSH writes them: keys and hashed names made by the real ssh-keygen, so the
 * format is OpenSSH's and not this test's idea of it.
 */
import test from 'ava';
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, hostKeyAlgorithms, knownHostsName, knownKeysFor, verifyHostKey } from '../../core/engine/ssh-known-hosts.ts';
import { tempDir } from './helpers.ts';

async function key(dir: string, name: string, type = 'ed25519'): Promise<{ line: string; blob: Buffer; fp: string }> {
  const file = join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const fp = String((await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`])).stdout).split(/\s+/)[1]!;
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), fp };
}

test('known_hosts as OpenSSH writes it: [host]:port, hashed names, wildcards and negation, changed and revoked keys', async (t) => {
  const dir = await tempDir(t);
  const [host, other, rsa] = await Promise.all([key(dir, 'host'), key(dir, 'other'), key(dir, 'rsa', 'rsa')]);
  t.is(fingerprint(host.blob), host.fp, "the fingerprint is ssh-keygen's");
  t.is(knownHostsName('build1', 22), 'build1');
  t.is(knownHostsName('10.0.0.7', 2222), '[10.0.0.7]:2222');

  const plain = join(dir, 'plain');
  writeFileSync(plain, `# comment\n[10.0.0.7]:2222 ${host.line}\nbuild1,build2 ${rsa.line}\n`);
  const hashed = join(dir, 'hashed');
  writeFileSync(hashed, `[10.0.0.7]:2222 ${host.line}\n`);
  await execa('ssh-keygen', ['-H', '-f', hashed]);
  t.false(readFileSync(hashed, 'utf8').includes('10.0.0.7'), 'ssh-keygen hashed the name');

  for (const file of [plain, hashed]) {
    const known = knownKeysFor([join(dir, 'missing'), file], '[10.0.0.7]:2222');
    t.deepEqual(verifyHostKey(known, 'ssh-ed25519', host.blob), { ok: true }, file);
    t.like(verifyHostKey(known, 'ssh-ed25519', other.blob), { ok: false, why: 'changed', file, fingerprint: other.fp });
    // Port 22 is another name than [host]:2222: nothing known there.
    t.like(verifyHostKey(knownKeysFor([file], '10.0.0.7'), 'ssh-ed25519', host.blob), { ok: false, why: 'unknown' });
  }
  // A key of a type the file has none of for that host is unknown, not changed; the offered algorithms follow the file.
  const b2 = knownKeysFor([plain], 'build2');
  t.like(verifyHostKey(b2, 'ssh-ed25519', host.blob), { ok: false, why: 'unknown' });
  t.deepEqual(hostKeyAlgorithms(b2), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  t.deepEqual(verifyHostKey(b2, 'ssh-rsa', rsa.blob), { ok: true });

  const patterns = join(dir, 'patterns');
  writeFileSync(patterns, `*.farm.example,!bad.farm.example ${host.line}\n@revoked * ${other.line}\n@cert-authority * ${rsa.line}\n`);
  t.deepEqual(verifyHostKey(knownKeysFor([patterns], 'b1.farm.example'), 'ssh-ed25519', host.blob), { ok: true });
  t.like(verifyHostKey(knownKeysFor([patterns], 'bad.farm.example'), 'ssh-ed25519', host.blob), { ok: false, why: 'unknown' });
  t.like(verifyHostKey(knownKeysFor([patterns], 'b1.farm.example'), 'ssh-ed25519', other.blob), { ok: false, why: 'revoked', line: 2 });
  // A CA line vouches for no plain key.
  t.like(verifyHostKey(knownKeysFor([patterns], 'x'), 'ssh-rsa', rsa.blob), { ok: false, why: 'unknown' });
});
